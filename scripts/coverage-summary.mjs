// Line coverage of dist/src per room, from the raw V8 coverage that every process of a test run
// (the test files and the tend daemons and commands they spawn) writes to NODE_V8_COVERAGE.
// node 20's --experimental-test-coverage fails on tsc's source maps ("Could not report code
// coverage … reading 'line'"), so this reads V8's block ranges itself: a line counts as covered when
// no code on it lies in a range that never ran, in any process. Usage: coverage-summary.mjs <dir>.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const SRC = join(process.cwd(), 'dist', 'src');

function jsFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return jsFiles(path);
    return name.endsWith('.js') ? [path] : [];
  });
}

/** Per character of the file: 1 ran, 0 never ran, in this process (innermost range wins). */
function charCounts(length, functions) {
  const ranges = functions.flatMap((f) => f.ranges);
  ranges.sort((a, b) => b.endOffset - b.startOffset - (a.endOffset - a.startOffset));
  const ran = new Uint8Array(length).fill(1);
  for (const r of ranges) ran.fill(r.count > 0 ? 1 : 0, r.startOffset, Math.min(r.endOffset, length));
  return ran;
}

export function summarize(coverageDir) {
  const files = new Map(jsFiles(SRC).map((path) => [pathToFileURL(path).href, undefined]));
  for (const name of readdirSync(coverageDir)) {
    if (!name.endsWith('.json')) continue;
    let data;
    try {
      data = JSON.parse(readFileSync(join(coverageDir, name), 'utf8'));
    } catch {
      continue; // a process killed while writing it
    }
    for (const script of data.result ?? []) {
      if (!files.has(script.url)) continue;
      const text = readFileSync(fileURLToPath(script.url), 'utf8');
      const ran = charCounts(text.length, script.functions);
      const seen = files.get(script.url);
      if (!seen) files.set(script.url, ran);
      else for (let i = 0; i < ran.length; i++) seen[i] |= ran[i];
    }
  }
  const rooms = new Map();
  const all = [0, 0];
  for (const [url, ran] of files) {
    const path = fileURLToPath(url);
    const text = readFileSync(path, 'utf8');
    const rel = relative(SRC, path).split(sep);
    const room = rel.length > 1 ? rel[0] : '(top)';
    const t = rooms.get(room) ?? [0, 0];
    rooms.set(room, t);
    let offset = 0;
    for (const line of text.split('\n')) {
      const code = line.trim();
      const start = offset;
      offset += line.length + 1;
      if (code === '' || code.startsWith('//') || code.startsWith('*') || code.startsWith('/*')) continue;
      if (/^[})\];,]+$/.test(code) || code.startsWith('import ') || code.startsWith('export {')) continue;
      let covered = ran !== undefined;
      if (covered)
        for (let i = start; i < start + line.length; i++)
          if (line[i - start] !== ' ' && ran[i] === 0) {
            covered = false;
            break;
          }
      t[1]++;
      all[1]++;
      if (covered) {
        t[0]++;
        all[0]++;
      }
    }
  }
  return { rooms, all };
}

const pct = ([covered, total]) =>
  total === 0 ? '  -  ' : `${((covered / total) * 100).toFixed(1).padStart(5)}%`;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { rooms, all } = summarize(process.argv[2]);
  console.log('\nline coverage of src/ (compiled, every process of the run):');
  for (const [room, t] of [...rooms].sort((a, b) => a[0].localeCompare(b[0])))
    console.log(`  ${`${room}/`.padEnd(14)} ${pct(t)}  (${t[0]} of ${t[1]} lines)`);
  console.log(`  ${'all of src/'.padEnd(14)} ${pct(all)}  (${all[0]} of ${all[1]} lines)`);
}
