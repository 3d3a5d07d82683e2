// @ts-check
// The browser side of the terminal page, served as a module script (no inline script, so the CSP can
// forbid them): the login cookie (sent by the browser) or a token typed into the form, I/O, a fit to
// the window through @xterm/addon-fit, and a reconnect button once a session closed or its shell exited.
// The token is never read from the URL: URLs end up in history, and a login link is one-time.
import { Terminal } from './xterm.mjs';
import { FitAddon } from './addon-fit.mjs';

const statusEl = /** @type {HTMLElement} */ (document.getElementById('status'));
const form = /** @type {HTMLFormElement} */ (document.getElementById('auth'));
const tokenInput = /** @type {HTMLInputElement} */ (document.getElementById('token'));
const box = /** @type {HTMLElement} */ (document.getElementById('term'));
const reconnect = /** @type {HTMLButtonElement} */ (document.getElementById('reconnect'));
const CHUNK = 8192;
/** Close codes after which the token is asked for again rather than offered a reconnect. */
const NEEDS_TOKEN = [4401, 4408];
/** @type {WebSocket | undefined} */
let ws;
/** The token of this page's last connection, kept in memory only, for the reconnect button. */
/** @type {string | undefined} */
let lastToken;
/** Input and resizes wait until the hello (auth and size) went first on the current socket. */
let helloSent = false;

/** @param {string} text */
function setStatus(text) {
  statusEl.textContent = text;
}

const term = new Terminal({ cursorBlink: true, fontFamily: 'monospace', fontSize: 14, scrollback: 5000 });
const fitAddon = new FitAddon();
term.loadAddon(fitAddon);
term.open(box);

function fit() {
  try {
    fitAddon.fit();
  } catch {
    // Not laid out yet (a hidden or zero-sized box): the next resize fits.
  }
}

/** @param {object} message */
function send(message) {
  if (ws && helloSent && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
}

term.onResize(({ cols, rows }) => send({ type: 'resize', cols, rows }));
// Large pastes go in pieces below the server's 64 KiB message limit, never splitting a surrogate pair.
term.onData((data) => {
  for (let i = 0; i < data.length;) {
    let end = Math.min(data.length, i + CHUNK);
    const code = data.charCodeAt(end - 1);
    if (end < data.length && code >= 0xd800 && code <= 0xdbff) end -= 1;
    send({ type: 'input', data: data.slice(i, end) });
    i = end;
  }
});
window.addEventListener('resize', fit);

/** @param {string | undefined} token */
function connect(token) {
  lastToken = token;
  helloSent = false;
  reconnect.hidden = true;
  const url = new URL('ws', location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  url.hash = '';
  const socket = new WebSocket(url);
  ws = socket;
  socket.binaryType = 'arraybuffer';
  setStatus('connecting…');
  socket.onopen = () => {
    fit();
    // Without a token the login cookie, sent with the upgrade, is what authenticates.
    const size = { cols: term.cols, rows: term.rows };
    socket.send(JSON.stringify(token ? { auth: token, ...size } : size));
    helloSent = true;
  };
  socket.onmessage = (event) => {
    if (typeof event.data !== 'string') return term.write(new Uint8Array(event.data));
    const msg = JSON.parse(event.data);
    if (msg.type === 'ready') {
      form.hidden = true;
      setStatus(msg.mode === 'read-only' ? 'connected (read-only: typing is ignored)' : 'connected');
      term.focus();
    }
  };
  socket.onclose = (event) => {
    setStatus(`disconnected: ${event.reason || 'connection lost'} (${event.code})`);
    if (NEEDS_TOKEN.includes(event.code)) form.hidden = false;
    else reconnect.hidden = false;
  };
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const token = tokenInput.value.trim();
  tokenInput.value = '';
  if (token) connect(token);
});
reconnect.addEventListener('click', () => {
  term.reset();
  connect(lastToken);
});

fit();
// The server marks the page when the request carried a valid login cookie; otherwise ask for the token.
if (document.body && document.body.dataset.login === 'cookie') connect(undefined);
else form.hidden = false;
