// Reads `nginx -T` (every file nginx would load, each introduced by "# configuration file <path>:")
// into the server blocks it declares: their names, their listen sockets, and the file and line that
// declare them. Pure, so the conflict rules can be tested on text. Comments and quotes are honoured;
// anything the tokenizer does not understand is skipped, never guessed.
import { parseManagedHeader } from '../../render/types.js';

export interface ListenSocket {
  /** '0.0.0.0' for a port alone or '*'; an IPv6 address keeps its brackets: '[::]'. */
  address: string;
  port: number;
}

export interface ServerBlock {
  file: string;
  /** 1-based line of the `server {` inside that file. */
  line: number;
  names: string[];
  listens: ListenSocket[];
  /** The Site whose tend-managed file declares it; undefined for a file tend does not manage. */
  site?: string;
}

interface Token {
  text: string;
  line: number;
}

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\n') line++;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '{' || c === '}' || c === ';') {
      out.push({ text: c, line });
      i++;
    } else if (c === '"' || c === "'") {
      const start = line;
      let j = i + 1;
      let value = '';
      while (j < text.length && text[j] !== c) {
        if (text[j] === '\\' && j + 1 < text.length) j++;
        if (text[j] === '\n') line++;
        value += text[j];
        j++;
      }
      out.push({ text: value, line: start });
      i = j + 1;
    } else {
      let j = i;
      while (j < text.length && !/[\s{};#"']/.test(text[j]!)) j++;
      out.push({ text: text.slice(i, j), line });
      i = j;
    }
  }
  return out;
}

/** `listen` arguments to a socket; unix sockets and unparsable forms give undefined. */
export function listenSocket(arg: string): ListenSocket | undefined {
  if (arg.startsWith('unix:')) return undefined;
  const v6 = /^(\[[0-9a-fA-F:.]+\])(?::(\d+))?$/.exec(arg);
  if (v6) return { address: v6[1]!.toLowerCase(), port: Number(v6[2] ?? 80) };
  if (/^\d+$/.test(arg)) return { address: '0.0.0.0', port: Number(arg) };
  const m = /^([^:]+)(?::(\d+))?$/.exec(arg);
  if (!m) return undefined;
  const address = m[1] === '*' ? '0.0.0.0' : m[1]!.toLowerCase();
  return { address, port: Number(m[2] ?? 80) };
}

/** Server blocks of one file's text; `server` directives (upstream members) have no block. */
function serversOf(file: string, text: string): ServerBlock[] {
  const site = parseManagedHeader(text)?.replace(/^Site\//, '');
  const tokens = tokenize(text);
  const found: ServerBlock[] = [];
  // The stack holds each open block's name; a server in stream{} or mail{} is not an HTTP vhost.
  const stack: (ServerBlock | string)[] = [];
  let words: Token[] = [];
  for (const t of tokens) {
    if (t.text === '{') {
      const name = words[0]?.text ?? '';
      const inHttp = !stack.some((s) => s === 'stream' || s === 'mail');
      if (name === 'server' && inHttp) {
        const block: ServerBlock = { file, line: words[0]!.line, names: [], listens: [] };
        if (site && /^[a-z0-9-]+$/.test(site)) block.site = site;
        found.push(block);
        stack.push(block);
      } else stack.push(name);
      words = [];
    } else if (t.text === '}') {
      const closed = stack.pop();
      if (closed && typeof closed !== 'string' && closed.listens.length === 0)
        closed.listens.push({ address: '0.0.0.0', port: 80 });
      words = [];
    } else if (t.text === ';') {
      const top = stack[stack.length - 1];
      if (top && typeof top !== 'string' && words.length > 1) {
        const [name, ...args] = words.map((w) => w.text);
        if (name === 'server_name') top.names.push(...args.map((a) => a.toLowerCase()));
        if (name === 'listen') {
          const socket = listenSocket(args[0]!);
          if (socket) top.listens.push(socket);
        }
      }
      words = [];
    } else words.push(t);
  }
  return found;
}

/** `nginx -T` output cut into its files, in the order nginx lists them: [path, text] pairs. */
export function dumpSections(dump: string): [string, string][] {
  const parts = dump.split(/^# configuration file (.+):\r?\n/m);
  const out: [string, string][] = [];
  // parts: [preamble, path1, text1, path2, text2, …]
  for (let i = 1; i + 1 < parts.length; i += 2) out.push([parts[i]!, parts[i + 1]!]);
  return out;
}

/** The HTTP server blocks one file's text declares, as `nginx -T` shows that file. */
export function parseNginxFile(file: string, text: string): ServerBlock[] {
  return serversOf(file, text);
}

/** Every HTTP server block in `nginx -T` output, file by file. */
export function parseNginxDump(dump: string): ServerBlock[] {
  return dumpSections(dump).flatMap(([file, text]) => serversOf(file, text));
}

/** Two sockets accept the same connections: same port, same address or an IPv4 wildcard. */
export function socketsOverlap(a: ListenSocket, b: ListenSocket): boolean {
  if (a.port !== b.port) return false;
  if (a.address === b.address) return true;
  const v4 = (s: ListenSocket) => !s.address.startsWith('[');
  return v4(a) && v4(b) && (a.address === '0.0.0.0' || b.address === '0.0.0.0');
}
