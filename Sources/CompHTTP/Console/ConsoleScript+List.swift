extension ConsoleScript {
    /// The list page (`/executions?<filter>`): the search form over every filter, the table, paging by
    /// cursor, bulk actions over the filter with a dry-run confirmation, live refresh.
    static let list = #"""
/** The API query of the console's list URL: the same fields, relative times resolved. */
function apiQuery(search) {
  const from = new URLSearchParams(search);
  const to = new URLSearchParams();
  for (const [key, value] of from) {
    if (value === '') continue;
    to.append(key, key in TIME_FIELDS ? resolveTime(value, TIME_FIELDS[key]) : value);
  }
  return to;
}

/** The filter of the console's list URL as the bulk action's `filter` object. */
function filterObject(search) {
  const params = apiQuery(search);
  const filter = {};
  for (const field of FILTER_FIELDS) {
    const values = params.getAll(field);
    if (!values.length) continue;
    filter[field] = field === 'status' ? values : values[0];
  }
  return filter;
}

/** The list's filter form, filled from the URL; submitting it loads the new URL. */
function filterForm(params) {
  const text = (name, label, hint) => h('label', {}, label,
    h('input', {type: 'text', name: name, value: params.get(name) || '', placeholder: hint || '', autocomplete: 'off'}));
  const choice = (name, label, options, unset) => h('label', {}, label,
    h('select', {name: name}, h('option', {value: ''}, unset || 'any'),
      options.map(([value, text]) => h('option', {value: value, selected: params.get(name) === value}, text))));
  const statuses = params.getAll('status');
  const form = h('form', {id: 'filter', class: 'filter'},
    h('fieldset', {class: 'statuses'}, h('legend', {}, 'Status'),
      STATUSES.map(status => h('label', {class: 'check'},
        h('input', {type: 'checkbox', name: 'status', value: status, checked: statuses.includes(status)}), status))),
    choice('parkReason', 'Park reason', PARK_REASONS.map(r => [r, r])),
    text('service', 'Service'), text('processor', 'Processor'), text('function', 'Function'),
    text('eventId', 'Event id'), text('correlationId', 'Correlation id'), text('errorCode', 'Error code'),
    choice('recoverable', 'Recoverable', [['unknown', 'unknown'], ['recoverable', 'recoverable'], ['unrecoverable', 'unrecoverable']]),
    text('since', 'Created since', '1h or 2026-11-30T06:00:00Z'), text('until', 'Created until', '10m or RFC 3339'),
    text('dueBefore', 'Next retry before', 'now, 5m or RFC 3339'),
    choice('sort', 'Sort', [['nextRetry', 'next retry']], 'newest'),
    choice('limit', 'Rows', [['20', '20'], ['100', '100'], ['200', '200']], '50'),
    h('div', {class: 'buttons'}, h('button', {type: 'submit', id: 'search'}, 'Search'), ' ',
      h('a', {href: '/executions', class: 'button'}, 'Clear')));
  form.addEventListener('submit', event => {
    event.preventDefault();
    const query = new URLSearchParams();
    for (const [key, value] of new FormData(form)) if (String(value).trim() !== '') query.append(key, String(value).trim());
    location.assign('/executions' + (query.toString() ? '?' + query : ''));
  });
  return form;
}

/** One execution as a row of the list (also the timeline's). */
function executionRow(execution, from) {
  const link = '/executions/' + execution.id + (from ? '?from=' + encodeURIComponent(from) : '');
  return h('tr', {'data-id': execution.id, 'data-status': execution.status},
    h('td', {class: 'status'}, statusBadge(execution)),
    h('td', {class: 'id'}, h('a', {href: link}, String(execution.id))),
    h('td', {class: 'spf'}, execution.service + ' / ' + execution.processor + ' / ' + execution.function),
    h('td', {class: 'retries'}, execution.retries + ' of ' + execution.maxRetries),
    h('td', {class: 'error'}, execution.error && execution.error.code ? h('code', {}, execution.error.code) : ''),
    h('td', {class: 'age'}, when(execution.createdAt, false)),
    h('td', {class: 'next'}, execution.status === 'failed' ? when(execution.nextRetryAt, true) : h('span', {class: 'muted'}, '–')));
}

/** The head of an execution table. */
function executionHead() {
  return h('thead', {}, h('tr', {}, ['Status', 'Id', 'Service / processor / function', 'Retries', 'Error code', 'Age', 'Next retry']
    .map(title => h('th', {}, title))));
}

/** Bulk actions over the filter: a dry run's count to confirm, then the action; the filter stays. */
function bulkBar(search, reload) {
  const run = async (action, verb) => {
    const filter = filterObject(search);
    try {
      const dry = await api('/api/v1/actions', {method: 'POST', body: {action: action, filter: filter, dryRun: true}});
      if (!dry.count) {
        flash(verb + ': no execution matches this filter', 'ok');
        return;
      }
      const ok = await confirmDialog(verb + ' ' + dry.count + ' execution' + (dry.count === 1 ? '' : 's') + ' matching this filter?', dry.firstIds);
      if (!ok) return;
      const reply = await api('/api/v1/actions', {method: 'POST', body: {action: action, filter: filter}});
      flash(actionResult(action, reply), reply.failures && reply.failures.length ? 'error' : 'ok');
      await reload();
      refreshStats();
    } catch (problem) {
      showProblem(problem, verb);
    }
  };
  return h('div', {class: 'bulk'}, h('span', {class: 'muted'}, 'Every execution matching the filter: '),
    h('button', {'data-bulk': 'retry', onclick: () => run('retry', 'Retry')}, 'Retry all…'), ' ',
    h('button', {'data-bulk': 'park', onclick: () => run('park', 'Park')}, 'Park all…'), ' ',
    h('button', {'data-bulk': 'discard', class: 'danger', onclick: () => run('discard', 'Discard')}, 'Discard all…'));
}

/** The list page. */
function listPage(main) {
  const params = new URLSearchParams(location.search);
  const search = location.search;
  const view = viewOf(search);
  const body = h('tbody');
  const summary = h('p', {class: 'summary muted', id: 'summary'});
  const pager = h('div', {class: 'pager'});
  let rows = [];

  const renderSummary = () => {
    const count = view && app.stats && app.stats.views ? view.count(app.stats.views) : null;
    summary.replaceChildren(
      view ? view.label + ': ' + (count === null || count === undefined ? '…' : count) + ' in this view' : 'Search results',
      params.get('cursor') ? ' — a later page' : '', ' — ', String(rows.length), ' shown');
  };

  const load = async () => {
    try {
      const data = await api('/api/v1/executions?' + apiQuery(search));
      rows = data.executions;
      body.replaceChildren(...rows.map(execution => executionRow(execution, search)));
      if (!rows.length) body.append(h('tr', {}, h('td', {colspan: 7, class: 'empty muted'}, 'No execution matches.')));
      const first = new URLSearchParams(search);
      first.delete('cursor');
      const next = new URLSearchParams(search);
      if (data.nextCursor) next.set('cursor', data.nextCursor);
      pager.replaceChildren(
        params.get('cursor') ? h('a', {href: '/executions?' + first, id: 'first-page', class: 'button'}, '« First page') : '',
        ' ',
        data.nextCursor ? h('a', {href: '/executions?' + next, id: 'next-page', class: 'button'}, 'Next page »') : '');
      renderSummary();
    } catch (problem) {
      showProblem(problem, 'list');
    }
  };

  main.replaceChildren(
    h('h1', {}, view ? view.label : 'Executions'),
    filterForm(params),
    mayAct() ? bulkBar(search, load) : '',
    summary,
    h('table', {id: 'executions', class: 'executions'}, executionHead(), body),
    pager);
  const refresh = throttled(load);
  app.page = {onEvent: refresh, onStats: renderSummary, refresh: refresh};
  return load();
}
"""#
}
