// XML-RPC wire format for supervisord: a hand-written methodCall encoder and a methodResponse decoder
// on fast-xml-parser, with faults turned into TendError('TEND_ERR_SUPERVISORD').
import { XMLParser } from 'fast-xml-parser';
import { TendError } from '../../errors/catalogue.js';

export type XmlRpcValue = string | number | boolean | null | XmlRpcValue[] | { [key: string]: XmlRpcValue };

/** Integers go out as <int>; a caller that needs <double> passes a non-integer number. */
export function encodeValue(value: XmlRpcValue): string {
  if (value === null) return '<value><nil/></value>';
  if (typeof value === 'string') return `<value><string>${escapeXml(value)}</string></value>`;
  if (typeof value === 'boolean') return `<value><boolean>${value ? 1 : 0}</boolean></value>`;
  if (typeof value === 'number') {
    if (!Number.isFinite(value))
      throw new TendError('TEND_ERR_INTERNAL', `XML-RPC cannot carry the number ${value}`);
    return Number.isInteger(value)
      ? `<value><int>${value}</int></value>`
      : `<value><double>${value}</double></value>`;
  }
  if (Array.isArray(value))
    return `<value><array><data>${value.map(encodeValue).join('')}</data></array></value>`;
  const members = Object.entries(value).map(
    ([k, v]) => `<member><name>${escapeXml(k)}</name>${encodeValue(v)}</member>`,
  );
  return `<value><struct>${members.join('')}</struct></value>`;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** XML 1.0 cannot hold most control characters at all, escaped or not: refuse them. */
export function escapeXml(text: string): string {
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/.test(text) || LONE_SURROGATE.test(text))
    throw new TendError(
      'TEND_ERR_UNSAFE_VALUE',
      `XML-RPC cannot carry ${JSON.stringify(text)}: it holds a control character`,
    );
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function encodeCall(method: string, params: readonly XmlRpcValue[]): string {
  const body = params.map((p) => `<param>${encodeValue(p)}</param>`).join('');
  return `<?xml version="1.0"?>\n<methodCall><methodName>${escapeXml(method)}</methodName><params>${body}</params></methodCall>\n`;
}

// Entities are decoded here in one pass rather than by the parser, so "&amp;#38;" stays "&#38;".
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, ref: string) => {
    if (ref.startsWith('#x')) return String.fromCodePoint(parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return String.fromCodePoint(parseInt(ref.slice(1), 10));
    return ENTITIES[ref] ?? whole;
  });
}

type Node = Record<string, unknown>;
const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: true,
  ignoreDeclaration: true,
  parseTagValue: false,
  trimValues: false,
  processEntities: false,
});

const tagOf = (node: Node) => Object.keys(node).find((k) => k !== ':@') ?? '';
const childrenOf = (node: Node) => (node[tagOf(node)] as Node[] | undefined) ?? [];
const elements = (nodes: Node[]) => nodes.filter((n) => tagOf(n) !== '#text');
const textOf = (nodes: Node[]) =>
  decodeEntities(nodes.map((n) => (tagOf(n) === '#text' ? String(n['#text']) : '')).join(''));

function malformed(what: string): TendError {
  return new TendError('TEND_ERR_SUPERVISORD', `supervisord sent a malformed XML-RPC response: ${what}`);
}

function child(nodes: Node[], tag: string): Node[] {
  const found = elements(nodes).find((n) => tagOf(n) === tag);
  if (!found) throw malformed(`expected <${tag}>`);
  return childrenOf(found);
}

export function decodeValue(valueChildren: Node[]): XmlRpcValue {
  const typed = elements(valueChildren)[0];
  // A <value> without a type element is a string (XML-RPC spec).
  if (!typed) return textOf(valueChildren);
  const type = tagOf(typed);
  const inner = childrenOf(typed);
  switch (type) {
    case 'string':
      return textOf(inner);
    case 'int':
    case 'i4':
    case 'i8':
    case 'double': {
      const n = Number(textOf(inner).trim());
      if (!Number.isFinite(n)) throw malformed(`<${type}> holds ${JSON.stringify(textOf(inner))}`);
      return n;
    }
    case 'boolean':
      return textOf(inner).trim() === '1';
    case 'nil':
      return null;
    case 'dateTime.iso8601':
    case 'base64':
      return textOf(inner).trim();
    case 'array':
      return elements(child(inner, 'data'))
        .filter((n) => tagOf(n) === 'value')
        .map((n) => decodeValue(childrenOf(n)));
    case 'struct': {
      const out: Record<string, XmlRpcValue> = {};
      for (const member of elements(inner).filter((n) => tagOf(n) === 'member')) {
        const parts = childrenOf(member);
        out[textOf(child(parts, 'name'))] = decodeValue(child(parts, 'value'));
      }
      return out;
    }
    default:
      throw malformed(`unknown value type <${type}>`);
  }
}

/** Decodes a methodResponse: the single result value, or a thrown TendError for a fault. */
export function decodeResponse(xml: string): XmlRpcValue {
  let doc: Node[];
  try {
    doc = parser.parse(xml) as Node[];
  } catch (err) {
    throw malformed((err as Error).message);
  }
  const response = child(doc, 'methodResponse');
  const fault = elements(response).find((n) => tagOf(n) === 'fault');
  if (fault) {
    const struct = decodeValue(child(childrenOf(fault), 'value'));
    const { faultCode, faultString } = (struct ?? {}) as { faultCode?: number; faultString?: string };
    throw new TendError('TEND_ERR_SUPERVISORD', `supervisord fault ${faultCode}: ${faultString}`, {
      faultCode,
      faultString,
    });
  }
  const param = child(child(response, 'params'), 'param');
  return decodeValue(child(param, 'value'));
}
