// The browser side of the terminal page, served as a module script (no inline script, so the CSP can
// forbid them): the login cookie (sent by the browser) or a token typed into the form, I/O and resize.
// The token is never read from the URL: URLs end up in history, and a login link is one-time.

export const CLIENT_JS = String.raw`import { Terminal } from './xterm.mjs';

const statusEl = document.getElementById('status');
const form = document.getElementById('auth');
const tokenInput = document.getElementById('token');
const box = document.getElementById('term');
const CHUNK = 8192;
let ws;

function setStatus(text) { statusEl.textContent = text; }

const term = new Terminal({ cursorBlink: true, fontFamily: 'monospace', fontSize: 14, scrollback: 5000 });
term.open(box);

function cellSize() {
  const dims = term._core && term._core._renderService && term._core._renderService.dimensions;
  const cell = dims && dims.css && dims.css.cell;
  if (cell && cell.width > 0 && cell.height > 0) return cell;
  return { width: 8.5, height: 17 };
}

function fit() {
  const cell = cellSize();
  const cols = Math.max(2, Math.floor(box.clientWidth / cell.width));
  const rows = Math.max(1, Math.floor(box.clientHeight / cell.height));
  if (cols !== term.cols || rows !== term.rows) term.resize(cols, rows);
}

function send(message) {
  if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
}

term.onResize(({ cols, rows }) => send({ type: 'resize', cols, rows }));
// Large pastes go in pieces below the server's 64 KiB message limit, never splitting a surrogate pair.
term.onData((data) => {
  for (let i = 0; i < data.length; ) {
    let end = Math.min(data.length, i + CHUNK);
    const code = data.charCodeAt(end - 1);
    if (end < data.length && code >= 0xd800 && code <= 0xdbff) end -= 1;
    send({ type: 'input', data: data.slice(i, end) });
    i = end;
  }
});
window.addEventListener('resize', fit);

function connect(token) {
  const url = new URL('ws', location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  url.hash = '';
  ws = new WebSocket(url);
  ws.binaryType = 'arraybuffer';
  setStatus('connecting…');
  ws.onopen = () => {
    fit();
    // Without a token the login cookie, sent with the upgrade, is what authenticates.
    const hello = token ? { auth: token, cols: term.cols, rows: term.rows } : { cols: term.cols, rows: term.rows };
    ws.send(JSON.stringify(hello));
  };
  ws.onmessage = (event) => {
    if (typeof event.data !== 'string') return term.write(new Uint8Array(event.data));
    const msg = JSON.parse(event.data);
    if (msg.type === 'ready') {
      form.hidden = true;
      setStatus(msg.mode === 'read-only' ? 'connected (read-only: typing is ignored)' : 'connected');
      term.focus();
    }
  };
  ws.onclose = (event) => {
    setStatus('disconnected: ' + (event.reason || 'connection lost') + ' (' + event.code + ')');
    if (event.code === 4401 || event.code === 4408) form.hidden = false;
  };
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const token = tokenInput.value.trim();
  tokenInput.value = '';
  if (token) connect(token);
});

fit();
// The server marks the page when the request carried a valid login cookie; otherwise ask for the token.
if (document.body && document.body.dataset.login === 'cookie') connect(undefined);
else form.hidden = false;
`;
