extension ConsoleScript {
    /// The correlation timeline page (`/timeline?correlationId=…`): the executions of one correlation id and
    /// every record and change of them, across services, in time order.
    static let timeline = #"""
/** The timeline page. */
function timelinePage(main) {
  const id = new URLSearchParams(location.search).get('correlationId') || '';
  const form = h('form', {id: 'timeline-form', class: 'inline', action: '/timeline', method: 'get'},
    h('label', {}, 'Correlation id', h('input', {type: 'text', name: 'correlationId', value: id, size: 40})),
    h('button', {type: 'submit'}, 'Show'));
  if (!id) {
    main.replaceChildren(h('h1', {}, 'Correlation timeline'), form);
    app.page = null;
    return Promise.resolve();
  }
  const load = async () => {
    try {
      const data = await api('/api/v1/timeline/' + encodeURIComponent(id));
      const byId = new Map(data.executions.map(e => [String(e.id), e]));
      const entries = data.entries.slice().sort((a, b) => (Date.parse(a.at) - Date.parse(b.at)) || (a.seq - b.seq));
      main.replaceChildren(
        h('h1', {}, 'Correlation ', h('code', {}, id)),
        form,
        h('h2', {}, 'Executions'),
        h('table', {id: 'timeline-executions', class: 'executions'}, executionHead(),
          h('tbody', {}, data.executions.map(e => executionRow(e, null)))),
        data.omittedExecutions ? h('p', {class: 'muted'}, data.omittedExecutions + ' more executions not shown') : '',
        h('h2', {}, 'Records and changes, in time order'),
        h('table', {id: 'timeline', class: 'history'},
          h('thead', {}, h('tr', {}, ['At', 'Execution', 'Service / processor / function', 'Kind', 'Summary', 'By'].map(t => h('th', {}, t)))),
          h('tbody', {}, entries.map(entry => {
            const e = byId.get(String(entry.executionId));
            return h('tr', {'data-execution': entry.executionId, 'data-kind': entry.kind},
              h('td', {}, h('time', {datetime: entry.at, title: entry.at}, entry.at)),
              h('td', {}, h('a', {href: '/executions/' + entry.executionId}, String(entry.executionId))),
              h('td', {class: 'spf'}, e ? e.service + ' / ' + e.processor + ' / ' + e.function : ''),
              h('td', {}, entry.kind), h('td', {}, entry.summary), h('td', {class: 'actor'}, entry.actor || ''));
          }))),
        data.omittedEntries ? h('p', {class: 'muted'}, data.omittedEntries + ' more entries not shown') : '');
    } catch (problem) {
      showProblem(problem, 'timeline');
    }
  };
  const refresh = throttled(load);
  app.page = {onEvent: event => { if (event.correlationId === id) refresh(); }, refresh: refresh};
  return load();
}
"""#
}
