// supervisord rotates a backend: supervisord Program's log itself (issue 17 item 5, decision 0044):
// the rendered stdout_logfile_maxbytes/backups carry the host's ceiling (--log-max-size/--log-keep)
// over the Program's own 10m × 5, and a real supervisord then keeps the log within them. It rotates
// after a write past the size, so a file ends at most one read past it: the lines come paced.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { apply, program, runningAll, startHarness, waitFor } from './harness.js';

test('a supervisord Program log is rotated by supervisord within the host ceiling (2 KB × 2)', async (t) => {
  const base = await startHarness(t, 'tend-svrot-');
  const h = { ...base, layout: { ...base.layout, logLimits: { maxBytes: 2048, keep: 2 } } };
  const script = `i=0; pad=$(printf '%0180d' 0); while [ $i -lt 100 ]; do echo "line $i $pad"; i=$((i+1)); sleep 0.01; done; echo done; exec sleep 600`;
  await apply(h, { put: [program('chatty', { command: [script], shell: true })] });
  await waitFor(h, 'chatty running', runningAll('chatty', 1));
  const log = join(h.layout.supervisord.logDir, 'chatty.log');
  const conf = readFileSync(h.layout.supervisord.programFile('chatty'), 'utf8');
  assert.match(conf, /^stdout_logfile_maxbytes=2048$/m);
  assert.match(conf, /^stdout_logfile_backups=2$/m);
  // supervisord rotates after a write past the size, so the last line may be in .1 and the log empty.
  // It renames the log to .1 before it opens a new one: any of the files can be missing for a moment.
  const read = (f: string) => {
    try {
      return readFileSync(f, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
      throw err;
    }
  };
  const all = () => [log, `${log}.1`, `${log}.2`].map(read).join('');
  const settled = () => all().includes('done\n') && existsSync(log);
  const deadline = Date.now() + 30_000;
  while (!settled() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.match(all(), /done\n/);
  assert.ok(existsSync(log), 'supervisord opened a new log after its last rotation');
  assert.ok(
    existsSync(`${log}.1`) && existsSync(`${log}.2`),
    `supervisord rotated: ${readdirSync(h.layout.supervisord.logDir).join(' ')}`,
  );
  assert.equal(existsSync(`${log}.3`), false, 'two backups kept, as the ceiling says');
  for (const f of [log, `${log}.1`, `${log}.2`])
    assert.ok(statSync(f).size <= 2048 + 256, `${f}: ${statSync(f).size}`);
});
