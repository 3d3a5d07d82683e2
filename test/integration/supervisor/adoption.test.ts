// The supervisor is SIGKILLed and a new one started: the same pids are adopted, nothing is started
// twice, logs keep flowing, and an adopted instance that is then killed is restarted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeArgsFor } from '../../helpers/paths.js';
import { tempDir } from '../../helpers/tmp.js';
import { alive, fixture, repoRoot, sleep, until } from './helpers.js';
import type { ProgramStatus } from '../../../src/supervisor/index.js';

/** Pids of processes whose command line holds the marker (our instances, not the harness). */
function withMarker(marker: string): number[] {
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
      if (cmd.includes(marker) && !cmd.some((a) => a.endsWith('supervisor-harness.ts')) && alive(Number(d)))
        pids.push(Number(d));
    } catch {
      /* exited meanwhile */
    }
  }
  return pids.sort((a, b) => a - b);
}

function readStatus(root: string, harnessPid: number): ProgramStatus[] | undefined {
  try {
    const s = JSON.parse(readFileSync(join(root, 'status.json'), 'utf8')) as {
      pid: number;
      programs: ProgramStatus[];
    };
    return s.pid === harnessPid ? s.programs : undefined;
  } catch {
    return undefined;
  }
}

test('a SIGKILLed supervisor is replaced: instances adopted, no duplicates, restarts continue', async (t) => {
  const marker = `tend-marker-${randomBytes(6).toString('hex')}`;
  const harnesses: ChildProcess[] = [];
  t.after(() => {
    for (const h of harnesses) if (h.exitCode === null && h.signalCode === null) h.kill('SIGKILL');
    for (const pid of withMarker(marker)) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  });
  const root = tempDir(t, 'tend-adopt-');
  const programsFile = join(root, 'programs.json');
  writeFileSync(
    programsFile,
    JSON.stringify([
      {
        apiVersion: 'tend/v1',
        kind: 'Program',
        metadata: { name: 'worker' },
        spec: {
          command: [fixture('sleeper.sh'), marker],
          allowRoot: true,
          instances: 3,
          startSeconds: 0,
          backoff: { initial: '50ms', max: '1s' },
        },
      },
    ]),
  );
  const start = () => {
    const h = spawn(
      process.execPath,
      [...nodeArgsFor(import.meta.url, '../../fixtures/programs/supervisor-harness.ts'), root, programsFile],
      {
        cwd: repoRoot(),
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    harnesses.push(h);
    return h;
  };
  const h1 = start();
  const first = await until(
    '3 running under harness 1',
    () => {
      const s = readStatus(root, h1.pid ?? 0)?.[0];
      return s?.instances.length === 3 && s.instances.every((i) => i.state === 'running' && i.pid)
        ? s
        : undefined;
    },
    20_000,
  );
  const pids = first.instances.map((i) => i.pid ?? 0).sort((a, b) => a - b);
  assert.deepEqual(withMarker(marker), pids);

  h1.kill('SIGKILL');
  await new Promise((r) => h1.once('exit', r));
  await sleep(300);
  assert.deepEqual(withMarker(marker), pids, 'instances survive the supervisor');

  const h2 = start();
  const adopted = await until(
    'adopted by harness 2',
    () => {
      const s = readStatus(root, h2.pid ?? 0)?.[0];
      return s?.instances.length === 3 && s.instances.every((i) => i.adopted) ? s : undefined;
    },
    20_000,
  );
  assert.deepEqual(
    adopted.instances.map((i) => i.pid ?? 0).sort((a, b) => a - b),
    pids,
    'the same pids',
  );
  await sleep(500);
  assert.deepEqual(withMarker(marker), pids, 'no duplicates started');

  // Logs still flow after adoption (ticks keep arriving through the reopened FIFO).
  const logFile = adopted.instances[0]?.logFile ?? '';
  const ticks = () =>
    readFileSync(logFile, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('tick')).length;
  const before = ticks();
  await until('new log lines after adoption', () => ticks() >= before + 3, 5000);

  // An adopted instance that dies is restarted, with the exit code reported as unknown.
  const victim = adopted.instances[1]?.pid ?? 0;
  process.kill(victim, 'SIGKILL');
  const restarted = await until(
    'victim restarted',
    () => {
      const s = readStatus(root, h2.pid ?? 0)?.[0]?.instances[1];
      return s?.pid && s.pid !== victim && s.state === 'running' ? s : undefined;
    },
    5000,
  );
  assert.match(restarted.lastExit?.unknown ?? '', /unknown/);
  const now = withMarker(marker);
  assert.equal(now.length, 3, `exactly 3 instances: ${now.join(',')}`);
  assert.ok(now.includes(restarted.pid ?? 0) && !now.includes(victim));

  h2.kill('SIGTERM');
  await new Promise((r) => h2.once('exit', r));
  await until('all stopped', () => withMarker(marker).length === 0, 5000);
});
