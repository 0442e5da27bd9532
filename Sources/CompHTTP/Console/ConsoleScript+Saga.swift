extension ConsoleScript {
    /// The saga pages: the list (`/sagas?status=…`) and one saga (`/sagas/{id}`) with its steps (forward and
    /// compensation states, their executions) and every record of it in time order; operators can abort a
    /// running saga. The execution detail links to the saga of its correlation id when there is one.
    static let saga = #"""
const SAGA_STATUSES = ['running', 'completed', 'aborting', 'compensated', 'stuck'];

/** A saga status as a badge. */
function sagaBadge(saga) {
  return h('span', {class: 'badge saga-' + saga.status, 'data-saga-status': saga.status}, saga.status);
}

/** Why a saga aborted, in words, or ''. */
function sagaCause(saga) {
  if (!saga.abortCause) return '';
  if (saga.abortCause === 'step_failed') return 'step ' + saga.abortStep + ' failed';
  return saga.abortCause === 'operator' ? 'aborted by an operator' : 'deadline passed';
}

/** The saga list page. */
function sagasPage(main) {
  const params = new URLSearchParams(location.search);
  const status = params.get('status') || '';
  const cursor = params.get('cursor') || '';
  const form = h('form', {id: 'saga-form', class: 'inline', action: '/sagas', method: 'get'},
    h('label', {}, 'Status', h('select', {name: 'status'},
      h('option', {value: ''}, 'any'),
      SAGA_STATUSES.map(s => h('option', {value: s, selected: s === status}, s)))),
    h('button', {type: 'submit'}, 'Show'));
  const load = async () => {
    try {
      const query = new URLSearchParams();
      if (status) query.set('status', status);
      if (cursor) query.set('cursor', cursor);
      query.set('limit', '100');
      const data = await api('/api/v1/sagas?' + query.toString());
      const next = new URLSearchParams();
      if (status) next.set('status', status);
      if (data.nextCursor) next.set('cursor', data.nextCursor);
      main.replaceChildren(
        h('h1', {}, 'Sagas'), form,
        data.sagas.length === 0 ? h('p', {id: 'no-sagas', class: 'muted'}, 'No sagas match.') :
        h('table', {id: 'sagas', class: 'executions'},
          h('thead', {}, h('tr', {}, ['Saga', 'Status', 'Steps', 'Deadline', 'Aborted', 'Updated'].map(t => h('th', {}, t)))),
          h('tbody', {}, data.sagas.map(saga => h('tr', {'data-saga': saga.id},
            h('td', {}, h('a', {href: '/sagas/' + encodeURIComponent(saga.id)}, saga.id)),
            h('td', {}, sagaBadge(saga)), h('td', {}, String(saga.stepCount)),
            h('td', {}, saga.deadline ? when(saga.deadline, true) : '–'),
            h('td', {}, sagaCause(saga)), h('td', {}, when(saga.updatedAt, false)))))),
        data.nextCursor ? h('p', {}, h('a', {id: 'more', href: '/sagas?' + next.toString()}, 'More »')) : '');
    } catch (problem) {
      showProblem(problem, 'sagas');
    }
  };
  const refresh = throttled(load);
  app.page = {onEvent: refresh, refresh: refresh};
  return load();
}

/** The page of saga `id`: its steps, then every record and change of it in time order. */
function sagaPage(main, id) {
  const render = data => {
    const saga = data.saga;
    const abort = async () => {
      if (!await confirmDialog('Abort saga ' + saga.id + '? Its forwards are fenced and the steps that ran are compensated, last first.')) return;
      try {
        const reply = await api('/api/v1/sagas/' + encodeURIComponent(saga.id) + '/abort', {method: 'POST'});
        flash('Abort: saga ' + reply.id + ' is ' + reply.status, 'ok');
        await load();
      } catch (problem) {
        showProblem(problem, 'abort');
      }
    };
    const execution = value => value === undefined || value === null ? '–'
      : h('a', {href: '/executions/' + value}, String(value));
    main.replaceChildren(
      h('p', {}, h('a', {href: '/sagas', id: 'back'}, '« all sagas')),
      h('h1', {}, 'Saga ', h('code', {id: 'saga-id'}, saga.id), ' ', h('span', {id: 'saga-status'}, sagaBadge(saga))),
      facts([['steps', String(saga.stepCount)], ['deadline', saga.deadline ? when(saga.deadline, true) : '–'],
             ['aborted', sagaCause(saga) || '–', 'saga-cause'], ['created', when(saga.createdAt, false)],
             ['updated', when(saga.updatedAt, false)]]),
      mayAct() && saga.status === 'running'
        ? h('div', {class: 'buttons'}, h('button', {'data-action': 'abort-saga', class: 'danger', onclick: abort}, 'Abort saga')) : '',
      h('h2', {}, 'Steps'),
      h('table', {id: 'saga-steps', class: 'history'},
        h('thead', {}, h('tr', {}, ['Step', 'Service / processor', 'Forward', 'Compensation', 'Forward state',
                                    'Compensation state', 'Forward execution', 'Compensation execution'].map(t => h('th', {}, t)))),
        h('tbody', {}, data.steps.map(step => h('tr', {'data-step': step.index},
          h('td', {}, String(step.index)), h('td', {class: 'spf'}, step.service + ' / ' + step.processor),
          h('td', {}, step.forward), h('td', {}, step.compensation || '–'),
          h('td', {'data-forward-state': step.forwardState}, step.forwardState),
          h('td', {'data-compensation-state': step.compensationState},
            step.compensationState + (step.forwardUnknown ? ' (forward unknown)' : '')),
          h('td', {}, execution(step.forwardExecutionId)), h('td', {}, execution(step.compensationExecutionId)))))),
      h('h2', {}, 'Records and changes, in time order'),
      h('table', {id: 'saga-history', class: 'history'},
        h('thead', {}, h('tr', {}, ['At', 'Execution', 'Kind', 'Summary', 'By'].map(t => h('th', {}, t)))),
        h('tbody', {}, data.history.map(entry => h('tr', {'data-kind': entry.kind, 'data-seq': entry.seq},
          h('td', {}, h('time', {datetime: entry.at, title: entry.at}, entry.at)),
          h('td', {}, execution(entry.executionId)), h('td', {}, entry.kind), h('td', {}, entry.summary),
          h('td', {class: 'actor'}, entry.actor || ''))))),
      data.omittedEntries ? h('p', {class: 'muted'}, data.omittedEntries + ' later rows not shown') : '');
  };
  const load = async () => {
    try {
      render(await api('/api/v1/sagas/' + encodeURIComponent(id)));
    } catch (problem) {
      if (problem.status === 404) main.replaceChildren(h('h1', {}, 'Saga ' + id), h('p', {id: 'no-saga'}, 'No such saga.'));
      showProblem(problem, 'saga ' + id);
    }
  };
  const refresh = throttled(load);
  app.page = {onEvent: refresh, refresh: refresh};
  return load();
}

/** Fills `slot` with a link to the saga of `correlationId`, when the broker holds one by that id. */
async function sagaLink(slot, correlationId) {
  if (!correlationId) return;
  try {
    const data = await api('/api/v1/sagas/' + encodeURIComponent(correlationId));
    slot.replaceChildren(' — saga ', h('a', {href: '/sagas/' + encodeURIComponent(data.saga.id), id: 'saga-link'}, data.saga.id),
                         ' ', sagaBadge(data.saga));
  } catch (_) {
    slot.replaceChildren();
  }
}
"""#
}
