// Maps a path inside a resource (as zod reports it) back to a line and column in its YAML file.
import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

export interface Position {
  line: number;
  col: number;
  /** False when the path ran out and the position is the nearest ancestor's. */
  exact: boolean;
}

type YNode = Node | null | undefined;

function resolve(doc: Document, node: YNode): YNode {
  // Follow at most a few aliases so that a path through an anchor still lands somewhere useful.
  for (let i = 0; i < 8 && node && isAlias(node); i++) node = node.resolve(doc) as YNode;
  return node;
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  if (key === null || typeof key !== 'object') return String(key);
  return undefined;
}

/** The pair of a mapping whose key, as text, equals seg (YAML keys 1 and "1" both become "1"). */
function pairOf(node: YNode, seg: PropertyKey) {
  if (!isMap(node)) return undefined;
  return node.items.find((p) => isPair(p) && keyText(p.key) === String(seg));
}

function posOf(lc: LineCounter, node: unknown, fallback: { line: number; col: number }) {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  if (!range) return fallback;
  return lc.linePos(range[0]);
}

/**
 * Position of the value at path; with `keyOf`, position of that key inside the mapping at path
 * (for unknown keys). Falls back to the nearest ancestor that exists.
 */
export function locate(
  doc: Document,
  lc: LineCounter,
  path: readonly PropertyKey[],
  keyOf?: string,
): Position {
  const docStart = posOf(lc, doc.contents, { line: 1, col: 1 });
  let node: YNode = resolve(doc, doc.contents as YNode);
  let best = posOf(lc, node, docStart);
  const segs = keyOf === undefined ? [...path] : [...path, keyOf];
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i]!;
    const last = i === segs.length - 1;
    if (isSeq(node) && typeof seg === 'number') {
      node = resolve(doc, node.items[seg] as YNode);
      if (!node) return { ...best, exact: false };
      best = posOf(lc, node, best);
      continue;
    }
    const pair = pairOf(node, seg);
    if (!pair) return { ...best, exact: false };
    // An unknown key points at the key itself; a bad value at the value (or the key when empty).
    if (last && keyOf !== undefined) return { ...posOf(lc, pair.key, best), exact: true };
    const value = resolve(doc, pair.value as YNode);
    const valuePos = value && (value as { range?: unknown }).range ? posOf(lc, value, best) : undefined;
    best = valuePos ?? posOf(lc, pair.key, best);
    node = value;
  }
  return { ...best, exact: true };
}
