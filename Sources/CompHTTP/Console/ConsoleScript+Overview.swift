extension ConsoleScript {
    /// The overview (`/`): a card per view, records and services, failures over time per service and the top
    /// error codes of the last hour and day, drawn as inline SVG from `stats.overview`; and the page router.
    static let overview = #"""
const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#65a30d'];

/** Failures per bucket and service as lines (the six busiest services, the rest as "other"). */
function failureChart(overview) {
  const series = (overview.series || []).map(s => ({service: s.service, counts: s.counts, total: s.counts.reduce((a, b) => a + b, 0)}))
    .sort((a, b) => b.total - a.total);
  const buckets = Math.max(0, ...series.map(s => s.counts.length));
  if (!buckets || !series.some(s => s.total > 0)) return h('p', {class: 'muted nodata'}, 'no data: no failure in this period');
  const shown = series.slice(0, 6);
  if (series.length > 6) {
    const other = new Array(buckets).fill(0);
    for (const s of series.slice(6)) s.counts.forEach((c, i) => { other[i] += c; });
    shown.push({service: 'other', counts: other, total: other.reduce((a, b) => a + b, 0)});
  }
  const width = 720, height = 200, left = 40, bottom = 24, top = 10, right = 10;
  const max = Math.max(1, ...shown.flatMap(s => s.counts));
  const x = i => left + (buckets === 1 ? 0 : i * (width - left - right) / (buckets - 1));
  const y = v => top + (height - top - bottom) * (1 - v / max);
  const since = Date.parse(overview.since);
  const label = ms => new Date(ms).toISOString().slice(5, 16).replace('T', ' ');
  const svg = h('svg', {viewBox: '0 0 ' + width + ' ' + height, class: 'chart', id: 'failures-chart', role: 'img',
                        'aria-label': 'failures over time per service'},
    h('line', {x1: left, y1: y(0), x2: width - right, y2: y(0), stroke: '#999'}),
    h('line', {x1: left, y1: top, x2: left, y2: y(0), stroke: '#999'}),
    h('text', {x: left - 4, y: top + 8, 'text-anchor': 'end', class: 'axis'}, String(max)),
    h('text', {x: left - 4, y: y(0), 'text-anchor': 'end', class: 'axis'}, '0'),
    h('text', {x: left, y: height - 6, class: 'axis'}, label(since) + ' UTC'),
    h('text', {x: width - right, y: height - 6, 'text-anchor': 'end', class: 'axis'}, label(since + buckets * overview.bucketMs) + ' UTC'),
    shown.map((s, n) => h('polyline', {fill: 'none', stroke: COLORS[n % COLORS.length], 'stroke-width': 2,
      points: s.counts.map((c, i) => x(i) + ',' + y(c)).join(' ')}, h('title', {}, s.service + ': ' + s.total))));
  const legend = h('ul', {class: 'legend'}, shown.map((s, n) => h('li', {},
    h('svg', {viewBox: '0 0 10 10', class: 'swatch'}, h('rect', {width: 10, height: 10, fill: COLORS[n % COLORS.length]})),
    ' ' + s.service + ' (' + s.total + ')')));
  return h('div', {}, svg, legend);
}

/** The top error codes as horizontal bars. */
function errorBars(rows, id) {
  if (!rows || !rows.length) return h('p', {class: 'muted nodata'}, 'no data: no error in this period');
  const max = Math.max(1, ...rows.map(r => r.count));
  const line = 22, width = 360, labelWidth = 150;
  return h('svg', {viewBox: '0 0 ' + width + ' ' + (rows.length * line), class: 'bars', id: id, role: 'img'},
    rows.map((row, i) => h('g', {},
      h('text', {x: 0, y: i * line + 15, class: 'code'}, row.code.length > 22 ? row.code.slice(0, 21) + '…' : row.code),
      h('rect', {x: labelWidth, y: i * line + 4, height: 14, width: Math.max(1, (width - labelWidth - 50) * row.count / max), fill: '#dc2626'}),
      h('text', {x: labelWidth + 4 + (width - labelWidth - 50) * row.count / max, y: i * line + 15, class: 'axis'}, String(row.count)),
      h('title', {}, row.code + ': ' + row.count))));
}

/** The overview page. */
function overviewPage(main) {
  const cards = h('div', {class: 'cards', id: 'cards'});
  const records = h('div', {id: 'records'});
  const services = h('div', {id: 'services'});
  const charts = h('div', {id: 'overview-charts'});

  const setPaused = async (service, pause) => {
    try {
      await api('/api/v1/services/' + encodeURIComponent(service) + (pause ? '/pause' : '/resume'), {method: 'POST'});
      flash((pause ? 'paused ' : 'resumed ') + service, 'ok');
      refreshStats();
    } catch (problem) {
      showProblem(problem, pause ? 'pause' : 'resume');
    }
  };

  const render = stats => {
    const views = stats.views || {};
    cards.replaceChildren(...VIEWS.map(view => h('a', {class: 'card', href: '/executions?' + view.query, 'data-card': view.key},
      h('span', {class: 'number'}, String(view.count(views) ?? '–')), h('span', {class: 'label'}, view.label))));
    const r = stats.records || {};
    records.replaceChildren(facts([
      ['records', 'accepted ' + (r.accepted ?? 0) + ', duplicate ' + (r.duplicate ?? 0) + ', stale ' + (r.stale ?? 0) +
                  ', rejected ' + (r.rejected ?? 0) + ', successes not held ' + (r.successesNotHeld ?? 0)],
      ['commands dispatched', String(stats.commandsDispatched ?? 0)], ['leases expired', String(stats.leasesExpired ?? 0)],
      ['up', stats.uptimeMs !== undefined ? span(stats.uptimeMs) : '–']]));
    const list = stats.services || [];
    services.replaceChildren(list.length ? h('table', {class: 'services'},
      h('thead', {}, h('tr', {}, ['Service', 'State', 'In flight', 'Waiting fetches', ''].map(t => h('th', {}, t)))),
      h('tbody', {}, list.map(s => h('tr', {'data-service': s.service},
        h('td', {}, h('a', {href: '/executions?service=' + encodeURIComponent(s.service)}, s.service)),
        h('td', {}, s.paused ? h('span', {class: 'badge s-parked'}, 'paused') : 'running'),
        h('td', {}, String(s.inFlight ?? 0)), h('td', {}, String(s.waitingFetches ?? 0)),
        h('td', {}, mayAct() ? h('button', {'data-action': s.paused ? 'resume' : 'pause', onclick: () => setPaused(s.service, !s.paused)},
                                 s.paused ? 'Resume' : 'Pause') : '')))))
      : h('p', {class: 'muted'}, 'No service has subscribed or been paused yet.'));
    const overview = stats.overview;
    charts.replaceChildren(
      h('section', {}, h('h2', {}, 'Failures over time per service'),
        overview ? [h('p', {class: 'muted'}, 'per ' + durationText(overview.bucketMs) + ', since ' + overview.since), failureChart(overview)]
                 : h('p', {class: 'muted nodata'}, 'no data: this compd does not report an overview')),
      h('div', {class: 'columns'},
        h('section', {}, h('h2', {}, 'Top error codes, last hour'), overview ? errorBars(overview.topErrorsHour, 'errors-hour') : h('p', {class: 'muted nodata'}, 'no data')),
        h('section', {}, h('h2', {}, 'Top error codes, last day'), overview ? errorBars(overview.topErrorsDay, 'errors-day') : h('p', {class: 'muted nodata'}, 'no data'))));
  };

  main.replaceChildren(h('h1', {}, 'Overview'), cards,
    h('div', {class: 'columns'}, h('section', {}, h('h2', {}, 'Broker'), records), h('section', {}, h('h2', {}, 'Services'), services)),
    charts);
  app.page = {onStats: render, onServiceEvent: refreshStats, refresh: refreshStats};
  if (app.stats) render(app.stats);
  return Promise.resolve();
}
"""#

    /// The start: who is calling, the stats, the page the path asks for, then the live feed.
    static let start = #"""
/** Renders the page of the current path. */
async function route() {
  const main = document.getElementById('main');
  const path = location.pathname;
  const detail = /^\/executions\/([0-9]+)$/.exec(path);
  if (path === '/') return overviewPage(main);
  if (path === '/executions') return listPage(main);
  if (detail) return detailPage(main, detail[1]);
  if (path === '/timeline') return timelinePage(main);
  if (path === '/sagas') return sagasPage(main);
  const saga = /^\/sagas\/([^/]+)$/.exec(path);
  if (saga) return sagaPage(main, decodeURIComponent(saga[1]));
  main.replaceChildren(h('h1', {}, 'Not found'), h('p', {}, h('a', {href: '/'}, 'Go to the overview')));
}

async function start() {
  renderNav();
  try {
    app.whoami = await api('/api/v1/whoami');
    document.getElementById('who').textContent = app.whoami.name + ' (' + app.whoami.role + ')';
    document.body.dataset.role = app.whoami.role;
  } catch (problem) {
    showProblem(problem, 'who am I');
  }
  await Promise.all([refreshStats(), route()]);
  document.body.dataset.ready = 'true';
  connectFeed();
}

document.addEventListener('DOMContentLoaded', start);
"""#
}
