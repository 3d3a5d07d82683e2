// @ts-check
// One resource in detail: controls, conditions, health, outputs, its part of the current plan,
// events, a live log tail (Programs, Jobs, Sites) and the spec as the API serves it (secrets masked).
import { authedGet, hasToken, postControl, resourcePath } from './api.js';

/** @typedef {import('./api.js').ResourceView} ResourceView @typedef {import('./api.js').Plan} Plan */

const LOG_LINES = 500;
/** Kinds with a log tail on the page, and the controls each kind offers. */
const LOGGED = new Set(['Program', 'Job', 'Site']);
/** @type {Record<string, string[]>} */
const CONTROLS = {
  Program: ['restart', 'stop', 'start', 'suspend', 'resume'],
  Site: ['reload', 'suspend', 'resume'],
  Pool: ['reload', 'suspend', 'resume'],
};

/** @param {string} id */
const el = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
/** @param {unknown} value */
const pretty = (value) => (value === undefined ? '–' : JSON.stringify(value, null, 2));

/** The status fields that are not shown elsewhere: probe results, pids, restarts, runs… */
/** @param {import('./api.js').Status} status */
function healthOf(status) {
  /** @type {Record<string, unknown>} */
  const rest = {};
  for (const [k, v] of Object.entries(status))
    if (!['conditions', 'outputs', 'key', 'kind', 'name'].includes(k)) rest[k] = v;
  return rest;
}

/**
 * The resource's change in the current plan, printed like `tend reconcile --plan` prints a change.
 * @param {Plan | undefined} plan @param {string} key
 */
export function planFor(plan, key) {
  if (!plan) return 'loading…';
  const change = plan.changes.find((c) => c.key === key);
  const action = change?.actions[0] ?? 'no-op';
  if (!change || (action === 'no-op' && !change.blocked)) return 'in sync: the plan changes nothing here';
  if (change.blocked) return `! ${change.key} is blocked: ${change.blocked.message}`;
  const lines = [`${action} ${change.key} (${change.reason})`];
  for (const file of change.files) {
    if (file.op === 'link') lines.push(`  + link ${file.path} -> ${file.target}`);
    else if (file.op === 'unlink') lines.push(`  - link ${file.path}`);
    else
      lines.push(
        ...file.diff
          .replace(/\n$/, '')
          .split('\n')
          .map((l) => `  ${l}`),
      );
  }
  return lines.join('\n');
}

export class Detail {
  constructor() {
    /** @type {string | undefined} */
    this.key = undefined;
    /** @type {AbortController | undefined} the running log tail */
    this.logs = undefined;
    /** @type {(() => void) | undefined} called after a control, so the page refreshes at once */
    this.onControl = undefined;
  }

  /** Opens `view` (a new key restarts the log tail; the same key only refreshes). */
  /** @param {ResourceView} view */
  show(view) {
    el('detail').hidden = false;
    if (this.key !== view.key) {
      this.key = view.key;
      el('control-result').textContent = '';
      this.renderControls(view);
      this.followLogs(view);
    }
    el('detail-title').textContent = view.key;
    const status = view.status ?? {};
    const phase = status.phase ?? 'Unknown';
    const badge = el('detail-phase');
    badge.textContent = phase;
    badge.className = `phase phase-${phase}`;
    this.renderConditions(status.conditions ?? []);
    el('detail-health').textContent = pretty(healthOf(status));
    el('detail-outputs').textContent = pretty(status.outputs);
    el('detail-spec').textContent = pretty(view.spec);
    this.renderEvents(view.events ?? []);
  }

  /** @param {Plan | undefined} plan */
  showPlan(plan) {
    if (this.key) el('detail-plan').textContent = planFor(plan, this.key);
  }

  close() {
    this.key = undefined;
    this.logs?.abort();
    this.logs = undefined;
    el('detail').hidden = true;
  }

  /** @param {import('./api.js').Condition[]} conditions */
  renderConditions(conditions) {
    const body = el('detail-conditions');
    body.replaceChildren();
    for (const c of conditions) {
      const tr = document.createElement('tr');
      for (const v of [c.type, c.status, c.reason ?? '', c.message ?? '', c.lastTransitionTime ?? '']) {
        const td = document.createElement('td');
        td.textContent = v;
        tr.appendChild(td);
      }
      tr.dataset.type = c.type;
      body.appendChild(tr);
    }
  }

  /** @param {import('./api.js').TendEvent[]} events */
  renderEvents(events) {
    const list = el('detail-events');
    list.replaceChildren();
    for (const e of [...events].reverse()) {
      const li = document.createElement('li');
      li.textContent = `${e.time ?? ''} ${e.reason}${e.message ? `: ${e.message}` : ''}`;
      li.dataset.reason = e.reason;
      if (e.type === 'Warning') li.className = 'warning';
      list.appendChild(li);
    }
  }

  /** @param {ResourceView} view */
  renderControls(view) {
    const box = el('controls');
    box.replaceChildren();
    for (const action of CONTROLS[view.kind] ?? []) {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = action;
      button.dataset.action = action;
      button.addEventListener('click', () => void this.control(view, action));
      box.appendChild(button);
    }
  }

  /** @param {ResourceView} view @param {string} action */
  async control(view, action) {
    const out = el('control-result');
    out.textContent = `${action}…`;
    try {
      const r = await postControl(`${resourcePath(view.kind, view.name)}/${action}`);
      const message = r.body?.error?.message ?? r.body?.message ?? '';
      out.textContent = r.ok
        ? `${action}: done${message ? ` (${message})` : ''}`
        : `${action} failed (HTTP ${r.status}): ${message}`;
    } catch (err) {
      out.textContent = `${action} failed: ${err instanceof Error ? err.message : String(err)}`;
    }
    this.onControl?.();
  }

  /**
   * A live tail of the log stream (server-sent events read through fetch, because the logs need the
   * token and EventSource cannot send one); after a drop it reconnects and shows the tail afresh.
   * @param {ResourceView} view
   */
  followLogs(view) {
    this.logs?.abort();
    this.logs = undefined;
    const section = el('detail-logs-section');
    const out = el('detail-logs');
    const state = el('logs-state');
    const button = el('logs-follow');
    out.textContent = '';
    section.hidden = !LOGGED.has(view.kind);
    if (section.hidden) return;
    const start = () => {
      button.hidden = true;
      void this.tail(view, out, state, button);
    };
    button.onclick = start;
    if (hasToken()) start();
    else {
      state.textContent = '(the log needs the API token)';
      button.hidden = false;
    }
  }

  /**
   * @param {ResourceView} view @param {HTMLElement} out @param {HTMLElement} state
   * @param {HTMLElement} button shown again when the token is missing or refused
   */
  async tail(view, out, state, button) {
    const ctrl = new AbortController();
    this.logs = ctrl;
    const url = `${resourcePath(view.kind, view.name)}/logs?follow=true&tail=100`;
    const append = (/** @type {string} */ data) => {
      const lines = `${out.textContent}${logLine(data)}\n`.split('\n');
      out.textContent = lines.slice(Math.max(0, lines.length - LOG_LINES - 1)).join('\n');
      out.scrollTop = out.scrollHeight;
    };
    while (!ctrl.signal.aborted) {
      state.textContent = '(connecting)';
      try {
        const res = await authedGet(url, ctrl.signal);
        if (!res || res.status === 401) {
          state.textContent = res ? '(the token was refused)' : '(no token given)';
          button.hidden = false;
          return;
        }
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        out.textContent = '';
        state.textContent = '(live)';
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = frame
              .split('\n')
              .filter((l) => l.startsWith('data:'))
              .map((l) => l.slice(5).replace(/^ /, ''))
              .join('\n');
            if (data) append(data);
          }
        }
      } catch {
        if (ctrl.signal.aborted) return;
      }
      state.textContent = '(reconnecting…)';
      await new Promise((resolve) => setTimeout(resolve, 3000));
    }
  }
}

/**
 * A log frame as text: JSON frames carry the instance and stream, plain frames are the line itself.
 * @param {string} data
 */
export function logLine(data) {
  try {
    const f = JSON.parse(data);
    if (f && typeof f === 'object') {
      const text = f.line ?? f.text ?? f.message ?? JSON.stringify(f);
      const where = [f.instance !== undefined ? `#${f.instance}` : '', f.stream ?? '']
        .filter(Boolean)
        .join(' ');
      return where ? `[${where}] ${text}` : String(text);
    }
  } catch {
    /* a plain text frame */
  }
  return data;
}
