// @ts-check
// The dashboard's wiring: loads every resource once, then follows GET /v1/events and refetches only
// what an event names (everything again after a reconnect, so a dropped stream loses nothing);
// routes between the list, a resource's detail and the plan through the URL's hash.
import { getJson, getText, postControl, resourcePath } from './api.js';
import { Detail } from './detail.js';
import { renderCounts, renderRows, select } from './list.js';

/** @typedef {import('./api.js').ResourceView} ResourceView @typedef {import('./api.js').Plan} Plan */

const KINDS = ['Site', 'Pool', 'Program', 'Job', 'Terminal', 'Certificate'];
const PHASES = [
  'Pending',
  'Progressing',
  'Ready',
  'Degraded',
  'Failed',
  'Suspended',
  'Unknown',
  'Expired',
  'Deleting',
];
/** Past this many changed keys in one batch, one list request is cheaper than one per key. */
const RELOAD_ALL_OVER = 25;

/** @param {string} id */
const el = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const input = (/** @type {string} */ id) => /** @type {HTMLInputElement} */ (document.getElementById(id));

/** @type {Map<string, ResourceView>} */
const resources = new Map();
/** @type {ResourceView[]} */
let sorted = [];
const filters = { kind: '', phase: '', label: '', text: '', page: 0 };
const detail = new Detail();
/** @type {Plan | undefined} */
let plan;

function setConn(/** @type {string} */ text) {
  el('conn').textContent = text;
}

function render() {
  const view = select(sorted, filters);
  filters.page = view.page;
  renderRows(el('rows'), view.rows, detail.key);
  renderCounts(el('counts'), view.counts, filters.phase, (phase) => {
    filters.phase = phase;
    /** @type {HTMLSelectElement} */ (el('f-phase')).value = phase;
    filters.page = 0;
    render();
  });
  el('page-info').textContent =
    `${view.total === 0 ? 0 : view.page * 50 + 1}–${Math.min(view.total, (view.page + 1) * 50)} of ${view.total}`;
  /** @type {HTMLButtonElement} */ (el('prev')).disabled = view.page === 0;
  /** @type {HTMLButtonElement} */ (el('next')).disabled = view.page >= view.pages - 1;
}

function resort() {
  sorted = [...resources.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

async function loadAll() {
  const body = await getJson('/v1/resources');
  resources.clear();
  for (const view of body?.items ?? []) resources.set(view.key, view);
  resort();
  render();
}

/** @param {string} key */
async function loadOne(key) {
  const [kind, name] = key.split('/');
  if (!kind || !name) return;
  const view = await getJson(resourcePath(kind, name));
  const known = resources.has(key);
  if (view) {
    const { events: _events, ...row } = view;
    resources.set(key, row);
    if (!known) resort();
    else sorted = sorted.map((v) => (v.key === key ? row : v));
  } else if (known) {
    resources.delete(key);
    resort();
  }
  if (detail.key === key) {
    if (view) detail.show(view);
    else detail.close();
  }
}

async function loadPlan() {
  const [json, text] = await Promise.all([getJson('/v1/plan'), getText('/v1/plan?format=text')]);
  plan = json;
  el('plan-text').textContent = text;
  el('plan-when').textContent = plan?.computedAt ? `computed ${plan.computedAt}` : '';
  detail.showPlan(plan);
}

async function loadDaemon() {
  const d = await getJson('/v1/daemon');
  if (!d) return;
  el('d-revision').textContent = d.revision ? String(d.revision).slice(0, 12) : '(none)';
  el('d-pass').textContent = d.lastPass
    ? `${d.lastPass.durationMs} ms${d.lastPass.ok ? '' : ' (failed)'} at ${d.lastPass.startedAt}`
    : 'none yet';
  el('d-queue').textContent =
    `${d.queue.depth} waiting, ${d.queue.running} running, ${d.queue.backoff} backing off${d.paused ? ' · PAUSED' : ''}`;
}

/** Runs `fn` at most once per `ms`, the last call winning; errors show in the stream status. */
function throttle(/** @type {() => Promise<void>} */ fn, /** @type {number} */ ms) {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  return () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      fn().catch((err) => setConn(`refresh failed: ${err instanceof Error ? err.message : String(err)}`));
    }, ms);
  };
}

const refreshPlan = throttle(loadPlan, 500);
const refreshDaemon = throttle(loadDaemon, 500);

/** @type {Set<string>} */
const dirty = new Set();
const flush = throttle(async () => {
  const keys = [...dirty];
  dirty.clear();
  if (keys.includes('*') || keys.length > RELOAD_ALL_OVER) {
    await loadAll();
    if (detail.key) await loadOne(detail.key);
  } else await Promise.all(keys.map(loadOne));
  render();
}, 100);

function markDirty(/** @type {string} */ key) {
  dirty.add(key);
  flush();
  refreshDaemon();
  if (detail.key || !el('plan-view').hidden) refreshPlan();
}

function connect() {
  const source = new EventSource('/v1/events?as=message');
  source.onopen = () => {
    setConn('live');
    // Whatever happened while the stream was down is read again in full.
    markDirty('*');
  };
  source.onerror = () => {
    setConn('disconnected, retrying…');
    // The browser retries on its own unless the server answered with an error: then start afresh.
    if (source.readyState === EventSource.CLOSED) setTimeout(connect, 3000);
  };
  source.onmessage = (msg) => {
    let event;
    try {
      event = JSON.parse(msg.data);
    } catch {
      return;
    }
    markDirty(event && typeof event.key === 'string' ? event.key : '*');
  };
}

async function route() {
  const hash = location.hash || '#/';
  const planTab = hash === '#/plan';
  el('plan-view').hidden = !planTab;
  el('list-view').hidden = planTab;
  el('tab-plan').classList.toggle('active', planTab);
  el('tab-list').classList.toggle('active', !planTab);
  const m = /^#\/r\/([A-Za-z]+)\/([a-z0-9-]+)$/.exec(hash);
  if (planTab || !m) detail.close();
  if (planTab) return loadPlan();
  if (m) {
    const key = `${m[1]}/${m[2]}`;
    const view = await getJson(resourcePath(String(m[1]), String(m[2])));
    if (!view) {
      detail.close();
      setConn(`no resource ${key}`);
      return;
    }
    detail.show(view);
    render();
    await loadPlan();
  } else render();
}

function wire() {
  const kind = /** @type {HTMLSelectElement} */ (el('f-kind'));
  const phase = /** @type {HTMLSelectElement} */ (el('f-phase'));
  for (const [select, values] of /** @type {const} */ ([
    [kind, KINDS],
    [phase, PHASES],
  ])) {
    for (const v of values) {
      const option = document.createElement('option');
      option.value = v;
      option.textContent = v;
      select.appendChild(option);
    }
  }
  const onFilter = () => {
    filters.kind = kind.value;
    filters.phase = phase.value;
    filters.label = input('f-label').value.trim();
    filters.text = input('f-text').value.trim();
    filters.page = 0;
    render();
  };
  for (const id of ['f-kind', 'f-phase', 'f-label', 'f-text']) el(id).addEventListener('input', onFilter);
  el('filters').addEventListener('submit', (e) => e.preventDefault());
  el('prev').addEventListener('click', () => {
    filters.page -= 1;
    render();
  });
  el('next').addEventListener('click', () => {
    filters.page += 1;
    render();
  });
  el('rows').addEventListener('click', (e) => {
    const tr = /** @type {HTMLElement | null} */ (
      e.target instanceof Element ? e.target.closest('tr') : null
    );
    if (tr?.dataset.key) location.hash = `#/r/${tr.dataset.key}`;
  });
  for (const action of ['pause', 'resume']) {
    el(`daemon-${action}`).addEventListener('click', async () => {
      const r = await postControl(`/v1/${action}`);
      el('plan-when').textContent = r.ok ? `daemon ${action}d` : `${action} failed (HTTP ${r.status})`;
      refreshDaemon();
      refreshPlan();
    });
  }
  detail.onControl = () => {
    if (detail.key) markDirty(detail.key);
  };
  window.addEventListener('hashchange', () => void route());
}

wire();
loadAll()
  .then(() => {
    // Marks the first full render, for the browser tests and the load bench.
    document.body.dataset.loaded = String(resources.size);
    document.body.dataset.loadedAt = String(Math.round(performance.now()));
    return route();
  })
  .catch((err) => setConn(`load failed: ${err instanceof Error ? err.message : String(err)}`));
loadDaemon().catch(() => undefined);
setInterval(() => refreshDaemon(), 5000);
connect();
