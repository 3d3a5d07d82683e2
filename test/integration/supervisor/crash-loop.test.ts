// A program that dies at once: backoff grows and is capped, status shows a crash loop with the log
// tail, and it never spins a core.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture, program, rig, sleep, until } from './helpers.js';

test('an instantly crashing program backs off, is capped, and shows as a crash loop', async (t) => {
  const { sup, events } = rig(t);
  await sup.apply([
    program('crasher', {
      command: [fixture('crash.sh'), 'db'],
      allowRoot: true,
      backoff: { initial: '50ms', max: '1s' },
      startSeconds: 1,
    }),
  ]);
  const t0 = Date.now();
  await sleep(3000);
  const spawns = events.filter((e) => e.reason === 'Started' && Date.parse(e.at) >= t0 - 50).length;
  // 50, 100, 200, 400, 800, 1000… ms: about 7 spawns in 3 s; an unthrottled loop would do hundreds.
  assert.ok(spawns >= 3 && spawns < 15, `expected 3..14 spawns in 3 s, got ${spawns}`);
  const st = await until('crash-loop state', () => {
    const s = sup.statusOf('crasher')?.instances[0];
    return s?.crashLoop ? s : undefined;
  });
  assert.match(st.crashLoop ?? '', /crash loop: exited 1 within \d+ms, \d+ times/);
  assert.match(st.crashLoop ?? '', /boom: cannot start db/);
  assert.equal(st.lastExit?.code, 1);
  assert.ok(st.restarts >= 3);
  assert.ok(events.some((e) => e.reason === 'CrashLoop' && e.type === 'Warning'));
  assert.equal(sup.statusOf('crasher')?.ready, false);
  // The gap between the last two starts is capped at backoff.max (1 s) plus scheduling slack.
  const starts = events.filter((e) => e.reason === 'Started').map((e) => Date.parse(e.at));
  const gaps = starts.slice(1).map((s, i) => s - (starts[i] ?? s));
  assert.ok(Math.max(...gaps) < 2500, `gaps ${gaps.join(',')}`);
  assert.ok((gaps.at(-1) ?? 0) > (gaps[0] ?? 0), `backoff grows: ${gaps.join(',')}`);
});

test('a command that cannot be spawned is a failed start with the reason in status', async (t) => {
  const { sup } = rig(t);
  await sup.apply([
    program('missing', {
      command: ['/nonexistent/tend-no-such-binary'],
      allowRoot: true,
      backoff: { initial: '50ms', max: '200ms' },
    }),
  ]);
  const st = await until('spawn failure', () => {
    const s = sup.statusOf('missing')?.instances[0];
    return s?.message?.includes('spawn failed') ? s : undefined;
  });
  assert.match(st.message ?? '', /ENOENT/);
  assert.equal(st.pid, undefined);
  await until('crash loop after repeated failures', () => sup.statusOf('missing')?.instances[0]?.crashLoop);
});
