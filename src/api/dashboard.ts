// GET /: a small self-contained status page (no CDN, no external asset). Every value it shows goes
// in through textContent, and a strict Content-Security-Policy allows only its own inline code.
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#1d1d1f;background:#fafafa}
h1{font-size:1.3rem;margin:0 0 .2rem}
#conn{color:#666;margin:0 0 1rem}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{text-align:left;padding:.4rem .6rem;border-bottom:1px solid #e3e3e3;vertical-align:top}
th{font-size:.75rem;letter-spacing:.05em;color:#555}
td.phase-Ready{color:#137333}td.phase-Failed,td.phase-Degraded{color:#b3261e}
td.phase-Progressing,td.phase-Pending{color:#8a6100}td.phase-Expired,td.phase-Deleting{color:#666}
`;

const SCRIPT = `
'use strict';
const PHASES = ['Pending','Progressing','Ready','Degraded','Failed','Expired','Deleting'];
const rows = new Map();
const tbody = document.getElementById('rows');
const conn = document.getElementById('conn');
const str = (v) => (v === undefined || v === null ? '' : String(v));
function condition(status, type) {
  const list = status && Array.isArray(status.conditions) ? status.conditions : [];
  return list.find((c) => c && c.type === type);
}
function cells(view) {
  const status = view.status || {};
  const ready = condition(status, 'Ready');
  const message = (ready && ready.message) || (status.lastError && status.lastError.message) || '';
  return [view.key || str(view.kind) + '/' + str(view.name), str(status.phase), ready ? str(ready.status) : '', str(message)];
}
function upsert(view) {
  let tr = rows.get(view.key);
  if (!tr) {
    tr = document.createElement('tr');
    for (let i = 0; i < 4; i++) tr.appendChild(document.createElement('td'));
    rows.set(view.key, tr);
    const after = [...rows.keys()].sort().find((k) => k > view.key);
    tbody.insertBefore(tr, after ? rows.get(after) : null);
  }
  const values = cells(view);
  values.forEach((v, i) => { tr.children[i].textContent = v; });
  const phase = values[1];
  tr.children[1].className = PHASES.includes(phase) ? 'phase-' + phase : '';
}
function remove(key) {
  const tr = rows.get(key);
  if (tr) { tr.remove(); rows.delete(key); }
}
async function getJson(url) {
  const res = await fetch(url, { headers: { accept: 'application/json' }, cache: 'no-store' });
  if (res.status === 404) return undefined;
  if (!res.ok) throw new Error(url + ': HTTP ' + res.status);
  return res.json();
}
async function loadAll() {
  const body = await getJson('/v1/resources');
  const seen = new Set();
  for (const view of (body && body.items) || []) { seen.add(view.key); upsert(view); }
  for (const key of [...rows.keys()]) if (!seen.has(key)) remove(key);
}
const dirty = new Set();
let timer;
function refresh(key) {
  dirty.add(key || '*');
  if (timer) return;
  timer = setTimeout(async () => {
    timer = undefined;
    const keys = [...dirty];
    dirty.clear();
    try {
      if (keys.includes('*')) return await loadAll();
      for (const key of keys) {
        const [kind, name] = key.split('/');
        const view = await getJson('/v1/resources/' + encodeURIComponent(kind) + '/' + encodeURIComponent(name));
        if (view) upsert(view); else remove(key);
      }
    } catch (err) { conn.textContent = 'refresh failed: ' + str(err && err.message); }
  }, 200);
}
function connect() {
  const source = new EventSource('/v1/events?as=message');
  source.onopen = () => { conn.textContent = 'live'; refresh(); };
  source.onerror = () => { conn.textContent = 'disconnected, retrying…'; };
  source.onmessage = (msg) => {
    let event;
    try { event = JSON.parse(msg.data); } catch { return; }
    refresh(event && typeof event.key === 'string' ? event.key : undefined);
  };
}
loadAll().catch((err) => { conn.textContent = 'load failed: ' + str(err && err.message); });
connect();
`;

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

export const DASHBOARD_CSP = [
  "default-src 'none'",
  `script-src ${sha256(SCRIPT)}`,
  `style-src ${sha256(STYLE)}`,
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>tend</title>
<style>${STYLE}</style>
</head>
<body>
<h1>tend</h1>
<p id="conn">connecting…</p>
<table>
<thead><tr><th>KIND/NAME</th><th>PHASE</th><th>READY</th><th>MESSAGE</th></tr></thead>
<tbody id="rows"></tbody>
</table>
<script>${SCRIPT}</script>
</body>
</html>
`;

export function registerDashboard(app: FastifyInstance): void {
  app.get('/', async (_request, reply) => {
    return reply
      .type('text/html; charset=utf-8')
      .header('Content-Security-Policy', DASHBOARD_CSP)
      .send(DASHBOARD_HTML);
  });
}
