// Walks a zod 4 schema along an issue path, to say what was expected (number bounds, allowed keys).
import type { z } from 'zod';

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  left?: z.ZodType;
  right?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
}

const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** Strips wrappers that do not change the shape: optional, default, nullable, pipes, … */
function unwrap(s: z.ZodType, out: z.ZodType[], depth = 0): void {
  if (depth > 20) return;
  const def = defOf(s);
  switch (def.type) {
    case 'optional':
    case 'default':
    case 'prefault':
    case 'nullable':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      if (def.innerType) unwrap(def.innerType, out, depth + 1);
      return;
    case 'pipe':
      if (def.in) unwrap(def.in, out, depth + 1);
      if (def.out && defOf(def.out).type !== 'transform') unwrap(def.out, out, depth + 1);
      return;
    case 'union':
      for (const o of def.options ?? []) unwrap(o, out, depth + 1);
      return;
    case 'intersection':
      if (def.left) unwrap(def.left, out, depth + 1);
      if (def.right) unwrap(def.right, out, depth + 1);
      return;
    default:
      out.push(s);
  }
}

/** Every concrete schema that could apply at path (several when unions are involved). */
export function schemasAt(root: z.ZodType, path: readonly PropertyKey[]): z.ZodType[] {
  let current: z.ZodType[] = [];
  unwrap(root, current);
  for (const seg of path) {
    const next: z.ZodType[] = [];
    for (const s of current) {
      const def = defOf(s);
      if (def.type === 'object' && typeof seg === 'string' && def.shape?.[seg]) unwrap(def.shape[seg], next);
      else if (def.type === 'array' && typeof seg === 'number' && def.element) unwrap(def.element, next);
      else if (def.type === 'record' && def.valueType) unwrap(def.valueType, next);
    }
    current = next;
    if (current.length === 0) break;
  }
  return current;
}

/** Keys a strict object at path accepts, for "unknown key … expected one of …". */
export function allowedKeys(root: z.ZodType, path: readonly PropertyKey[]): string[] {
  const keys = new Set<string>();
  for (const s of schemasAt(root, path)) {
    const def = defOf(s);
    if (def.type === 'object') for (const k of Object.keys(def.shape ?? {})) keys.add(k);
  }
  return [...keys];
}

/** Both bounds of the number schema at path, when every candidate (union branch) agrees. */
export function numberBounds(root: z.ZodType, path: readonly PropertyKey[]) {
  const nums = schemasAt(root, path)
    .filter((s) => defOf(s).type === 'number')
    .map((s) => s as unknown as { minValue: number | null; maxValue: number | null; isInt?: boolean })
    .map((n) => ({ min: n.minValue, max: n.maxValue, int: Boolean(n.isInt) }));
  const first = nums[0];
  if (!first || nums.some((n) => n.min !== first.min || n.max !== first.max)) return undefined;
  return first;
}
