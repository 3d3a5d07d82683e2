// Rotation of the logs the native supervisor writes (issue 17 item 5, decision 0044), on real
// processes: a Program's log rotates by size within the host's ceiling (--log-max-size/--log-keep)
// while it writes, a rename from outside (logrotate) is followed by a reopen, and no line is lost
// or written to a deleted file: the supervisor is this process, so /proc/self/fd shows what it holds.
// A Job run's log keeps one rotation, and pruning a run takes it along.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, readlinkSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createRealHost } from '../../../src/host/real-host.js';
import { JobRunner } from '../../../src/jobs/runner.js';
import { embeddedLayout } from '../../../src/layout/layout.js';
import { PortLeases } from '../../../src/state/port-leases.js';
import { Supervisor } from '../../../src/supervisor/index.js';
import { LogWriter, reopenMovedLogs } from '../../../src/supervisor/log-writer.js';
import { tempDir } from '../../helpers/tmp.js';
import { job } from '../jobs/helpers.js';
import { program, until } from '../supervisor/helpers.js';

/** A shell loop printing `count` numbered lines of about 200 bytes, `pause` seconds apart, then "done". */
const printer = (count: number, pause: string) =>
  `i=0; pad=$(printf '%0180d' 0); while [ $i -lt ${count} ]; do echo "line $i $pad"; i=$((i+1)); sleep ${pause}; done; echo done; exec sleep 600`;

function supervisorWith(t: Parameters<typeof tempDir>[0], ceiling: { maxBytes: number; keep: number }) {
  const root = tempDir(t, 'tend-logrot-');
  const host = createRealHost();
  const layout = embeddedLayout(root, { logLimits: ceiling });
  const sup = new Supervisor({ host, layout, leases: new PortLeases({ host, stateDir: layout.stateDir }) });
  t.after(() => sup.stopAll({ graceful: false }));
  return { root, layout, sup };
}

/** Every file of a log set: the log, its numbered rotations, and any extra (renamed-away) names. */
const logSet = (log: string, extra: string[] = []) =>
  [log, ...Array.from({ length: 100 }, (_, i) => `${log}.${i + 1}`), ...extra].filter((f) => existsSync(f));

/** This process's fds that point into `dir`, as /proc/self/fd names them (" (deleted)" included). */
const fdsUnder = (dir: string) =>
  readdirSync('/proc/self/fd')
    .map((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return '';
      }
    })
    .filter((f) => f.startsWith(`${dir}/`));

test('a Program log rotates by size under the host ceiling while written, a logrotate-style rename is reopened, no line lost', async (t) => {
  const { layout, sup } = supervisorWith(t, { maxBytes: 4096, keep: 100 });
  // The Program's own limit (10m) is above the host's 4 KB ceiling: the ceiling wins.
  await sup.apply([
    program('printer', {
      command: [printer(300, '0.005')],
      shell: true,
      allowRoot: true,
      logs: { maxSize: '10m', keep: 100 },
    }),
  ]);
  const log = await until('the log file', () => sup.statusOf('printer')?.instances[0]?.logFile);
  await until('two rotations by size', () => existsSync(`${log}.2`), 30_000);

  // logrotate's way: rename the live file away (no create). The writer keeps writing to the renamed
  // file until told, then reopens at the path.
  const moved = `${log}.moved`;
  renameSync(log, moved);
  assert.deepEqual(reopenMovedLogs(), [log]);
  assert.deepEqual(reopenMovedLogs(), [], 'a log already reopened is left alone');
  await until('the new file at the path', () => existsSync(log), 10_000);
  const held = fdsUnder(layout.programs.logDir);
  assert.deepEqual(held, [log], `the supervisor holds only the live log: ${JSON.stringify(held)}`);

  const all = await until(
    'the last line',
    () => {
      const lines = logSet(log, [moved]).flatMap((f) => readFileSync(f, 'utf8').split('\n'));
      return lines.includes('done') ? lines : undefined;
    },
    60_000,
  );
  const numbers = all.flatMap((l) => /^line (\d+) /.exec(l)?.[1] ?? []).map(Number);
  assert.equal(numbers.length, 300, 'every line once across the log, its rotations and the renamed file');
  assert.equal(new Set(numbers).size, 300);
  for (const f of logSet(log)) assert.ok(statSync(f).size <= 4096, `${f} within the 4 KB ceiling`);
  // After the last rotation, still nothing deleted or rotated is held open.
  assert.deepEqual(fdsUnder(layout.programs.logDir), [log]);
});

test('the host ceiling caps a Program log generations too: keep 2 leaves .1 and .2, never .3', async (t) => {
  const { sup } = supervisorWith(t, { maxBytes: 2048, keep: 2 });
  await sup.apply([program('many', { command: [printer(100, '0')], shell: true, allowRoot: true })]);
  const log = await until('the log file', () => sup.statusOf('many')?.instances[0]?.logFile);
  await until('the last line', () => existsSync(log) && readFileSync(log, 'utf8').includes('done\n'), 30_000);
  assert.ok(existsSync(`${log}.1`) && existsSync(`${log}.2`));
  assert.equal(existsSync(`${log}.3`), false, 'the Program default keep (5) is capped by the host (2)');
  for (const f of logSet(log)) assert.ok(statSync(f).size <= 2048, `${f} within 2 KB`);
});

test('a Job run log keeps one rotation within the ceiling; pruning a run removes both files', async (t) => {
  const root = tempDir(t, 'tend-jobrot-');
  const runner = new JobRunner({
    host: createRealHost(),
    stateDir: join(root, 'state'),
    runDir: join(root, 'run'),
    logLimits: { maxBytes: 2048, keep: 5 },
  });
  t.after(() => runner.stop());
  const script = `i=0; pad=$(printf '%0180d' 0); while [ $i -lt 50 ]; do echo "line $i $pad"; i=$((i+1)); done`;
  await runner.apply([
    job('chatty', {
      command: [script],
      shell: true,
      user: 'root',
      allowRoot: true,
      history: { succeeded: 1 },
    }),
  ]);
  const first = await runner.trigger('chatty');
  assert.equal((await runner.wait('chatty', first.id))?.outcome, 'succeeded');
  assert.ok(statSync(first.log).size <= 2048 && statSync(`${first.log}.1`).size <= 2048);
  assert.equal(existsSync(`${first.log}.2`), false, 'a run keeps one rotation');
  // The newest lines are never lost: the last one is in the live file, the one before it in order.
  const tail = readFileSync(first.log, 'utf8').trim().split('\n');
  assert.match(tail.at(-1)!, /^line 49 /);

  const second = await runner.trigger('chatty');
  assert.equal((await runner.wait('chatty', second.id))?.outcome, 'succeeded');
  await until('the first run pruned', () => !existsSync(first.log));
  assert.equal(existsSync(`${first.log}.1`), false, "the pruned run's rotation went with it");
  assert.ok(existsSync(second.log) && existsSync(`${second.log}.1`));
});

test('a log removed under its writer is reopened at the path, never written to the deleted file', (t) => {
  const dir = tempDir(t, 'tend-logdel-');
  const path = join(dir, 'x.log');
  const w = new LogWriter(path, { maxBytes: 1 << 20, keep: 2, maxLineLength: 1000 });
  t.after(() => w.close());
  w.write(Buffer.from('before\n'));
  rmSync(path);
  assert.deepEqual(fdsUnder(dir), [`${path} (deleted)`], 'the removed file is still held');
  assert.deepEqual(reopenMovedLogs(), [path]);
  assert.deepEqual(fdsUnder(dir), []);
  w.write(Buffer.from('after\n'));
  assert.equal(readFileSync(path, 'utf8'), 'after\n');
  assert.deepEqual(fdsUnder(dir), [path]);
});
