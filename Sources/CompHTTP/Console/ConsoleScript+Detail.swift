extension ConsoleScript {
    /// The detail page (`/executions/{id}`): error, retry state, spec, lease, payload, the whole history with
    /// authors, and the actions (operators only) with a validated spec form.
    static let detail = #"""
/** Rows of a two-column table. */
function facts(pairs) {
  return h('table', {class: 'facts'}, h('tbody', {}, pairs.map(([name, value, id]) =>
    h('tr', {}, h('th', {}, name), h('td', {id: id || null}, value)))));
}

/** Reads every page of an execution's history (bounded: 100 pages). */
async function loadDetail(id) {
  const data = await api('/api/v1/executions/' + encodeURIComponent(id) + '?payload=true');
  let after = data.nextHistoryAfter;
  for (let page = 0; after !== null && after !== undefined && page < 100; page++) {
    const more = await api('/api/v1/executions/' + encodeURIComponent(id) + '?historyAfter=' + encodeURIComponent(after));
    data.history = data.history.concat(more.history);
    after = more.nextHistoryAfter;
  }
  data.historyIncomplete = after !== null && after !== undefined;
  return data;
}

/** Checks the spec form; returns the `spec` object, or marks the bad inputs and returns null. */
function specFrom(form) {
  const spec = {};
  let ok = true;
  for (const input of form.querySelectorAll('input')) {
    input.classList.remove('invalid');
    const value = input.value.trim();
    if (value === '') continue;
    let valid;
    if (input.name === 'maxRetries') valid = /^\d{1,9}$/.test(value);
    else if (input.name === 'jitterPermille') valid = /^\d{1,4}$/.test(value) && Number(value) <= 1000;
    else valid = /^\d{1,12}$/.test(value) || parseDuration(value) !== null;
    if (!valid) {
      input.classList.add('invalid');
      ok = false;
      continue;
    }
    spec[input.name] = /^\d+$/.test(value) ? Number(value) : value;
  }
  if (!ok) return null;
  return spec;
}

/** The action buttons and forms of one execution. */
function actionPanel(execution, act) {
  const button = (action, label, body, extra) => h('button', Object.assign({'data-action': label.toLowerCase().replace(/ /g, '-'),
    onclick: () => act(action, body, label)}, extra || {}), label);
  const functionInput = h('input', {type: 'text', name: 'function', value: execution.function, size: 20});
  const specForm = h('form', {id: 'spec-form', class: 'inline'},
    [['maxRetries', 'max retries', execution.spec.maxRetries],
     ['minBackoff', 'min backoff', durationText(execution.spec.minBackoffMs)],
     ['maxBackoff', 'max backoff', durationText(execution.spec.maxBackoffMs)],
     ['executionTimeout', 'execution timeout', durationText(execution.spec.executionTimeoutMs)],
     ['jitterPermille', 'jitter ‰', execution.spec.jitterPermille]]
      .map(([name, label, now]) => h('label', {}, label, h('input', {type: 'text', name: name, placeholder: String(now), size: 8}))),
    h('button', {type: 'submit', 'data-action': 'apply-spec'}, 'Apply spec'));
  specForm.addEventListener('submit', event => {
    event.preventDefault();
    const spec = specFrom(specForm);
    if (spec === null) {
      flash('Apply spec: fix the marked fields (whole numbers; durations like 30s, 5m, 1h30m or milliseconds; jitter 0–1000 ‰).', 'error');
      return;
    }
    if (!Object.keys(spec).length) {
      flash('Apply spec: fill at least one field.', 'error');
      return;
    }
    act('applySpec', {spec: spec}, 'Apply spec');
  });
  const leased = execution.status === 'prepared';
  return h('section', {id: 'actions', class: 'actions'}, h('h2', {}, 'Actions'),
    h('div', {class: 'buttons'},
      button('retry', 'Retry now', {}, {disabled: leased}), ' ',
      leased ? button('retry', 'Force retry', {force: true}) : '', ' ',
      button('mark', 'Mark recoverable', {recoverable: 'recoverable'}), ' ',
      button('mark', 'Mark unrecoverable', {recoverable: 'unrecoverable'}), ' ',
      button('park', 'Park', {}), ' ',
      button('discard', 'Discard', {}, {class: 'danger'})),
    h('form', {id: 'function-form', class: 'inline', onsubmit: event => {
      event.preventDefault();
      if (!functionInput.value.trim()) {
        functionInput.classList.add('invalid');
        flash('Change function: give the new function name.', 'error');
        return;
      }
      act('changeFunction', {function: functionInput.value.trim()}, 'Change function');
    }}, h('label', {}, 'Function', functionInput), h('button', {type: 'submit', 'data-action': 'change-function'}, 'Change function')),
    specForm);
}

/** The detail page of execution `id`. */
function detailPage(main, id) {
  const from = new URLSearchParams(location.search).get('from');
  const back = '/executions' + (from || '');

  const render = data => {
    const e = data.execution;
    const lease = e.lease ? facts([['holder', e.lease.holder], ['until', when(e.lease.until, true)], ['token', String(e.lease.token)]])
                          : h('p', {class: 'muted', id: 'lease'}, 'not leased');
    const payload = data.payload && data.payload.bytes > 0
      ? [h('p', {class: 'muted'}, data.payload.bytes + ' bytes, ' + data.payload.encoding), h('pre', {id: 'payload'}, data.payload.data)]
      : h('p', {class: 'muted', id: 'payload'}, e.payloadBytes ? e.payloadBytes + ' bytes (not shown)' : 'none');
    const act = async (action, body, label) => {
      for (const input of main.querySelectorAll('.invalid')) input.classList.remove('invalid');
      try {
        const reply = await api('/api/v1/executions/' + e.id + '/actions', {method: 'POST', body: Object.assign({action: action}, body)});
        flash(actionResult(label, reply), reply.failures && reply.failures.length ? 'error' : 'ok');
        await load();
        refreshStats();
      } catch (problem) {
        showProblem(problem, label);
      }
    };
    const sagaSlot = h('span', {id: 'saga-slot'});
    sagaLink(sagaSlot, e.correlationId);
    main.replaceChildren(
      h('p', {}, h('a', {href: back, id: 'back'}, '« back to the list')),
      h('h1', {}, 'Execution ', h('span', {id: 'execution-id'}, String(e.id)), ' ', h('span', {id: 'status'}, statusBadge(e))),
      h('p', {class: 'spf'}, e.service + ' / ' + e.processor + ' / ' + e.function, ' — event ', h('code', {}, e.eventId),
        ' — correlation ', h('a', {href: '/timeline?correlationId=' + encodeURIComponent(e.correlationId), id: 'correlation'}, e.correlationId),
        sagaSlot),
      h('div', {class: 'columns'},
        h('section', {}, h('h2', {}, 'Error'), facts([
          ['code', h('code', {}, e.error.code || '–'), 'error-code'],
          ['message', e.error.message || '–', 'error-message']]),
          e.error.details ? h('pre', {id: 'error-details', class: 'stack'}, e.error.details) : ''),
        h('section', {}, h('h2', {}, 'Retry state'), facts([
          ['retries', e.retries + ' of ' + e.maxRetries, 'retries'],
          ['next retry', e.status === 'failed' ? when(e.nextRetryAt, true) : '–', 'next-retry'],
          ['recoverable', e.recoverable + (e.markedByOperator ? ' (marked by an operator)' : ''), 'recoverable'],
          ['created', when(e.createdAt, false)], ['updated', when(e.updatedAt, false)]])),
        h('section', {}, h('h2', {}, 'Spec'), facts([
          ['max retries', String(e.spec.maxRetries)], ['min backoff', durationText(e.spec.minBackoffMs)],
          ['max backoff', durationText(e.spec.maxBackoffMs)], ['execution timeout', durationText(e.spec.executionTimeoutMs)],
          ['jitter', e.spec.jitterPermille + ' ‰']])),
        h('section', {}, h('h2', {}, 'Lease'), lease)),
      mayAct() ? actionPanel(e, act) : '',
      h('section', {}, h('h2', {}, 'Payload'), payload),
      h('section', {}, h('h2', {}, 'History'),
        h('table', {id: 'history', class: 'history'},
          h('thead', {}, h('tr', {}, ['Seq', 'At', 'Kind', 'Summary', 'By'].map(t => h('th', {}, t)))),
          h('tbody', {}, data.history.map(entry => h('tr', {'data-kind': entry.kind},
            h('td', {}, String(entry.seq)), h('td', {}, h('time', {datetime: entry.at, title: entry.at}, entry.at)),
            h('td', {}, entry.kind), h('td', {}, entry.summary), h('td', {class: 'actor'}, entry.actor || ''))))),
        data.historyIncomplete ? h('p', {class: 'muted'}, 'History cut at 100 pages.') : ''));
  };

  const load = async () => {
    try {
      render(await loadDetail(id));
    } catch (problem) {
      if (problem.status === 404) main.replaceChildren(h('h1', {}, 'Execution ' + id), h('p', {}, 'No such execution.'));
      showProblem(problem, 'execution ' + id);
    }
  };
  const refresh = throttled(load);
  app.page = {onEvent: event => { if (String(event.executionId) === String(id)) refresh(); }, refresh: refresh};
  return load();
}
"""#
}
