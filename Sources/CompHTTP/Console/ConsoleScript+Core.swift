/// The console's script, in parts served as one file (`/console/app.js`). Vanilla JavaScript over
/// `/api/v1`; every text from the API goes into the page as text nodes, never as HTML.
enum ConsoleScript {
    /// Helpers every page uses: elements, the API client and its problems, formatting, the views and the
    /// navigation, messages, the confirmation dialog, the live feed.
    static let core = #"""
'use strict';

const SVG = new Set(['svg', 'g', 'rect', 'line', 'polyline', 'text', 'title', 'circle']);

/** An element: h('a', {href: '/x', class: 'c', onclick: f}, 'text', child, [more]). */
function h(tag, attrs, ...children) {
  const el = SVG.has(tag) ? document.createElementNS('http://www.w3.org/2000/svg', tag) : document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat(3)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** An error answer of the API (application/problem+json). */
class Problem extends Error {
  constructor(status, body) {
    super((body && (body.detail || body.title)) || ('HTTP ' + status));
    this.status = status;
    this.title = (body && body.title) || ('HTTP ' + status);
    this.code = body && body.code;
    this.field = body && body.field;
  }
}

/** Calls the API; resolves to the JSON answer, rejects with a Problem. */
async function api(path, options) {
  const init = {method: (options && options.method) || 'GET', headers: {'Accept': 'application/json'},
                credentials: 'same-origin', cache: 'no-store'};
  if (options && options.body !== undefined) {
    init.body = JSON.stringify(options.body);
    init.headers['Content-Type'] = 'application/json';
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    throw new Problem(0, {title: 'compd did not answer', detail: String(error.message || error)});
  }
  const text = await response.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch (_) { body = null; }
  if (response.status === 401) {
    location.assign('/login?next=' + encodeURIComponent(location.pathname + location.search));
  }
  if (!response.ok) throw new Problem(response.status, body || {title: response.status + ' ' + response.statusText, detail: text.slice(0, 300)});
  return body;
}

/** A span of milliseconds as 45s, 3m, 2h, 5d. */
function span(ms) {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 60) return s + 's';
  if (s < 3600) return Math.floor(s / 60) + 'm';
  if (s < 86400) return Math.floor(s / 3600) + 'h' + (s < 36000 && s % 3600 >= 60 ? Math.floor(s % 3600 / 60) + 'm' : '');
  return Math.floor(s / 86400) + 'd' + (s < 864000 && s % 86400 >= 3600 ? Math.floor(s % 86400 / 3600) + 'h' : '');
}

/** A duration in milliseconds as the settings write it (180000 → 3m). */
function durationText(ms) {
  if (ms === null || ms === undefined) return '';
  const units = [['d', 86400000], ['h', 3600000], ['m', 60000], ['s', 1000]];
  for (const [unit, size] of units) if (ms >= size && ms % size === 0) return (ms / size) + unit;
  return ms + 'ms';
}

/** A time element: relative text, the RFC 3339 time as its title. */
function when(iso, future) {
  if (!iso) return h('span', {class: 'muted'}, '–');
  const delta = Date.parse(iso) - Date.now();
  const text = future ? (delta > 0 ? 'in ' + span(delta) : 'due ' + span(delta) + ' ago') : span(delta) + ' ago';
  return h('time', {datetime: iso, title: iso}, text);
}

/** Milliseconds of a Go-style duration (90s, 1h30m, 250ms, 2d), or null. */
function parseDuration(text) {
  const size = {ms: 1, s: 1000, m: 60000, h: 3600000, d: 86400000};
  if (!/^(\d+(\.\d+)?(ms|s|m|h|d))+$/.test(text)) return null;
  let total = 0;
  for (const [, number, , unit] of text.matchAll(/(\d+(\.\d+)?)(ms|s|m|h|d)/g)) total += parseFloat(number) * size[unit];
  return Math.round(total);
}

/** A filter time as RFC 3339: `now`, a duration (ago for `since`/`until`, ahead for `dueBefore`), or as given. */
function resolveTime(value, ahead) {
  if (value === 'now') return new Date().toISOString();
  const ms = parseDuration(value);
  if (ms !== null) return new Date(Date.now() + (ahead ? ms : -ms)).toISOString();
  return value;
}

const STATUSES = ['failed', 'prepared', 'succeeded', 'parked', 'discarded'];
const PARK_REASONS = ['exhausted', 'unrecoverable', 'deadline', 'manual'];
/** The list filter's fields, as the API names them; times may be relative in the console's URL. */
const FILTER_FIELDS = ['status', 'parkReason', 'service', 'processor', 'function', 'eventId', 'correlationId',
                       'errorCode', 'recoverable', 'since', 'until', 'dueBefore'];
const TIME_FIELDS = {since: false, until: false, dueBefore: true};

/** The views of the navigation: their filter and where stats.views counts them. */
const VIEWS = [
  {key: 'toRetry', label: 'To retry', query: 'status=failed', count: v => v.toRetry},
  {key: 'dueNow', label: 'Due now', query: 'status=failed&dueBefore=now', count: v => v.dueNow},
  {key: 'executing', label: 'Executing', query: 'status=prepared', count: v => v.executing},
  ...PARK_REASONS.map(reason => ({key: 'parked-' + reason, label: 'Parked: ' + reason,
                                   query: 'status=parked&parkReason=' + reason, count: v => v.parked && v.parked[reason]})),
  {key: 'succeeded', label: 'Succeeded', query: 'status=succeeded', count: v => v.succeeded},
  {key: 'discarded', label: 'Discarded', query: 'status=discarded', count: v => v.discarded},
];

/** The filter fields of a query string, sorted, as one comparable text. */
function filterKey(search) {
  const params = new URLSearchParams(search);
  return FILTER_FIELDS.flatMap(field => params.getAll(field).map(value => field + '=' + value)).sort().join('&');
}

/** The view whose filter is exactly the one of `search`, if any. */
function viewOf(search) {
  const key = filterKey(search);
  return VIEWS.find(view => filterKey(view.query) === key) || null;
}

const app = {whoami: null, stats: null, page: null};

/** Whether the caller may act (role operator). */
function mayAct() { return !!app.whoami && app.whoami.role === 'operator'; }

/** The navigation: the overview and one link per view with its count from the stats. */
function renderNav() {
  const nav = document.getElementById('nav');
  const current = location.pathname === '/executions' ? viewOf(location.search) : null;
  const views = app.stats && app.stats.views;
  nav.replaceChildren(
    h('a', {href: '/', class: location.pathname === '/' ? 'active' : null, 'data-view': 'overview'}, 'Overview'),
    ...VIEWS.map(view => {
      const count = views ? view.count(views) : null;
      return h('a', {href: '/executions?' + view.query, 'data-view': view.key,
                     class: current && current.key === view.key ? 'active' : null},
               view.label, ' ', h('span', {class: 'count', 'data-count': view.key}, count === null || count === undefined ? '…' : String(count)));
    }),
    h('a', {href: '/executions', 'data-view': 'search', class: location.pathname === '/executions' && !current ? 'active' : null}, 'Search'),
    h('a', {href: '/sagas', 'data-view': 'sagas', class: location.pathname.startsWith('/sagas') ? 'active' : null}, 'Sagas'));
}

/** Reads the stats and shows them (navigation, and the page when it shows stats). */
async function refreshStats() {
  try {
    applyStats(await api('/api/v1/stats'));
  } catch (problem) {
    if (!app.stats) showProblem(problem, 'stats');
  }
}

/** Takes new stats (from /api/v1/stats or the feed). */
function applyStats(stats) {
  app.stats = stats;
  renderNav();
  if (app.page && app.page.onStats) app.page.onStats(stats);
}

/** Shows a message above the page; kind: ok or error. */
function flash(text, kind) {
  const box = document.getElementById('flash');
  box.className = kind || 'ok';
  box.replaceChildren(...(Array.isArray(text) ? text : [text]));
  box.hidden = false;
}

/** Shows a problem of the API: its title, detail and the field that broke a rule (marked in the form). */
function showProblem(problem, doing) {
  const parts = [h('strong', {}, (doing ? doing + ': ' : '') + (problem.title || 'error'))];
  if (problem.message && problem.message !== problem.title) parts.push(' — ' + problem.message);
  if (problem.code) parts.push(' ', h('code', {}, problem.code));
  if (problem.field) {
    parts.push(' (field ', h('code', {class: 'field'}, problem.field), ')');
    const name = String(problem.field).split('.').pop();
    for (const input of document.querySelectorAll('[name="' + CSS.escape(name) + '"]')) input.classList.add('invalid');
  }
  flash(parts, 'error');
}

/** Asks for a confirmation; resolves to true when confirmed. */
function confirmDialog(text, ids) {
  const box = document.getElementById('confirm');
  document.getElementById('confirm-text').textContent = text;
  document.getElementById('confirm-ids').textContent = ids && ids.length ? 'First ids: ' + ids.join(', ') : '';
  box.hidden = false;
  return new Promise(resolve => {
    const yes = document.getElementById('confirm-yes');
    const no = document.getElementById('confirm-no');
    const close = answer => {
      box.hidden = true;
      yes.onclick = null;
      no.onclick = null;
      resolve(answer);
    };
    yes.onclick = () => close(true);
    no.onclick = () => close(false);
    yes.focus();
  });
}

/** An action reply as a sentence, with the failures listed. */
function actionResult(action, reply) {
  const parts = [action + ': ' + reply.changed + ' of ' + reply.matched + ' changed'];
  for (const failure of (reply.failures || []).slice(0, 10)) {
    parts.push(h('br'), '#' + failure.executionId + ' ', h('code', {}, failure.code), ' ' + failure.message);
  }
  return parts;
}

/** A status as a badge: parked shows its reason. */
function statusBadge(execution) {
  const text = execution.status === 'parked' && execution.parkReason ? 'parked (' + execution.parkReason + ')' : execution.status;
  return h('span', {class: 'badge s-' + execution.status}, text);
}

/** Runs `load` at most once a second for a burst of calls (the feed's events). */
function throttled(load) {
  let last = 0;
  let timer = null;
  return () => {
    if (timer) return;
    const wait = Math.max(0, 1000 - (Date.now() - last));
    timer = setTimeout(async () => {
      last = Date.now();
      try { await load(); } finally { timer = null; }
    }, wait);
  };
}

/** Listens on /api/v1/feed: stats update the counts; execution events let the page refresh itself. */
function connectFeed() {
  if (!window.EventSource) return;
  const live = document.getElementById('live');
  const source = new EventSource('/api/v1/feed');
  const setLive = on => {
    live.className = 'live ' + (on ? 'on' : 'off');
    live.textContent = on ? 'live' : 'reconnecting';
  };
  source.addEventListener('open', () => setLive(true));
  source.addEventListener('error', () => setLive(false));
  source.addEventListener('stats', event => applyStats(JSON.parse(event.data)));
  source.addEventListener('execution', event => {
    if (app.page && app.page.onEvent) app.page.onEvent(JSON.parse(event.data));
  });
  source.addEventListener('service', () => {
    if (app.page && app.page.onServiceEvent) app.page.onServiceEvent();
  });
  source.addEventListener('resync', () => {
    refreshStats();
    if (app.page && app.page.refresh) app.page.refresh();
  });
}
"""#
}
