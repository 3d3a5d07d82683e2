// The terminal's HTTP side: a small page, xterm.js served from node_modules (never a CDN), the client
// script, and strict headers, all under the Terminal's own path. Nothing here is secret: the token
// is only ever sent over the WebSocket, and a login link is exchanged in login.ts.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { Host } from '../host/index.js';
import { webDir } from '../layout/web-files.js';

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function html(name: string): string {
  const title = escapeHtml(`tend terminal: ${name}`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title}</title>
<link rel="stylesheet" href="assets/xterm.css">
<link rel="stylesheet" href="assets/terminal.css">
</head>
<body>
<header><span id="title">${title}</span><span id="status">not connected</span>
<form id="auth" hidden><label>Token <input id="token" type="password" autocomplete="off" spellcheck="false"></label>
<button type="submit">Connect</button></form><button type="button" id="reconnect" hidden>Reconnect</button></header>
<main id="term"></main>
<script type="module" src="assets/terminal.js"></script>
</body>
</html>
`;
}

export interface PageAssets {
  name: string;
  files: Map<string, { type: string; body: string }>;
}

/**
 * Reads xterm.js, its fit addon and CSS once, through the Host, from the installed packages, and the
 * page's own script and stylesheet from web/terminal/ (type-checked with the dashboard).
 */
export async function loadAssets(host: Host, name: string): Promise<PageAssets> {
  const require = createRequire(import.meta.url);
  const dir = dirname(require.resolve('@xterm/xterm/package.json'));
  const fitDir = dirname(require.resolve('@xterm/addon-fit/package.json'));
  const web = webDir('terminal', 'terminal.js');
  const read = async (path: string) => {
    const text = await host.fs.readFile(path);
    if (text === undefined) throw new Error(`expected ${path} (a file of tend's package), found none`);
    return text;
  };
  // Keyed by the path below the Terminal's base path (see terminalBasePath).
  const files = new Map([
    ['assets/xterm.mjs', { type: 'text/javascript', body: await read(`${dir}/lib/xterm.mjs`) }],
    ['assets/xterm.css', { type: 'text/css', body: await read(`${dir}/css/xterm.css`) }],
    ['assets/addon-fit.mjs', { type: 'text/javascript', body: await read(`${fitDir}/lib/addon-fit.mjs`) }],
    ['assets/terminal.js', { type: 'text/javascript', body: await read(`${web}/terminal.js`) }],
    ['assets/terminal.css', { type: 'text/css', body: await read(`${web}/terminal.css`) }],
    ['', { type: 'text/html', body: html(name) }],
  ]);
  return { name, files };
}

/**
 * Scripts only from this origin (no inline script, no eval). Inline styles are allowed because
 * xterm.js's DOM renderer writes its theme into <style> elements; styles cannot run code.
 */
export function contentSecurityPolicy(hostHeader: string | undefined): string {
  const clean = hostHeader !== undefined && /^[A-Za-z0-9.\-:[\]]{1,255}$/.test(hostHeader);
  // Older browsers do not let 'self' cover ws: and wss:, so the socket's origin is named explicitly.
  const sockets = clean ? ` ws://${hostHeader} wss://${hostHeader}` : '';
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    `connect-src 'self'${sockets}`,
    "img-src 'self' data:",
    "font-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function setSecurityHeaders(res: ServerResponse): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  res.setHeader('Cache-Control', 'no-store');
}

export function sendText(res: ServerResponse, status: number, text: string, headers = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...headers });
  res.end(`${text}\n`);
}

/**
 * GET/HEAD for the page and its assets under `base`; everything else is 404 or 405. `loggedIn` (the
 * request carried a valid login cookie) tells the page to connect at once rather than ask for a token.
 */
export function servePage(
  assets: PageAssets,
  req: IncomingMessage,
  res: ServerResponse,
  base: string,
  loggedIn = false,
): void {
  const path = new URL(req.url ?? '/', 'http://terminal.invalid').pathname;
  setSecurityHeaders(res);
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' });
    return void res.end('method not allowed\n');
  }
  const file = path.startsWith(base) ? assets.files.get(path.slice(base.length)) : undefined;
  if (!file) {
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    return void res.end('not found\n');
  }
  let body = file.body;
  if (file.type === 'text/html') {
    res.setHeader('Content-Security-Policy', contentSecurityPolicy(req.headers.host));
    if (loggedIn) body = body.replace('<body>', '<body data-login="cookie">');
  }
  res.writeHead(200, {
    'Content-Type': `${file.type}; charset=utf-8`,
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}
