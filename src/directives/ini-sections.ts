// The sections of an ini file (php-fpm pools, supervisord programs) as plain strings: the `ini`
// package reads `true`/`false` as booleans and nests dotted section names, neither of which the
// programs that read these files do.
import { parse as parseIni } from 'ini';

export type IniSection = Record<string, string>;

export function iniSections(text: string): Map<string, IniSection> {
  const out = new Map<string, IniSection>();
  const visit = (prefix: string, obj: Record<string, unknown>) => {
    const own: IniSection = {};
    let hasOwn = false;
    for (const [key, value] of Object.entries(obj)) {
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        visit(prefix ? `${prefix}.${key}` : key, value as Record<string, unknown>);
        continue;
      }
      own[key] = Array.isArray(value) ? value.map(String).join(',') : String(value);
      hasOwn = true;
    }
    if (prefix && (hasOwn || !out.has(prefix))) out.set(prefix, own);
  };
  visit('', parseIni(text) as Record<string, unknown>);
  return out;
}
