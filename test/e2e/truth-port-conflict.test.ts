// Issue 14, item 1 for Program ports: a Program whose fixed `port` a process tend does not manage
// already listens on is Failed (reason PortConflict) naming that process, and is not started to crash-loop
// on a bind error; the holder keeps its port. Once it is gone, the same Program starts by itself.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freePort, httpGet } from '../helpers/e2e.js';
import { holdPort, release } from '../faults/fault-helpers.js';
import { serveEnv, waitFor, type ServeEnv } from './serve-harness.js';

interface Status {
  phase: string;
  conditions: { type: string; status: string; reason: string; message: string }[];
  outputs?: Record<string, unknown>;
}

/** A daemon (not started) and a free port that a process tend does not manage now listens on. */
async function heldPortEnv(t: Parameters<typeof serveEnv>[0]) {
  const env = await serveEnv(t);
  const port = await freePort();
  const holder = await holdPort(t, port);
  return { env, port, holder };
}

const statusOf = async (env: ServeEnv, key: string) =>
  (await env.resource(key)) as unknown as Status | undefined;

/** Waits for `key` to be refused as PortConflict; its status then. */
async function portConflict(env: ServeEnv, key: string): Promise<Status> {
  return (await waitFor(`${key} refused`, async () => {
    const s = await statusOf(env, key);
    return s?.conditions.find((c) => c.type === 'Ready')?.reason === 'PortConflict' ? s : undefined;
  })) as Status;
}

/** Waits for `key` to be Ready; its status then. */
async function phaseReady(env: ServeEnv, key: string, what: string, timeoutMs?: number): Promise<Status> {
  return (await waitFor(
    what,
    async () => {
      const s = await statusOf(env, key);
      return s?.phase === 'Ready' ? s : undefined;
    },
    timeoutMs,
  )) as Status;
}

test(
  'a Program on a fixed port a foreign process holds is Failed as PortConflict; it starts once the port is free',
  { timeout: 300_000 },
  async (t) => {
    const { env, port, holder } = await heldPortEnv(t);
    env.write(
      'api.yaml',
      `apiVersion: tend/v1
kind: Program
metadata: { name: api }
spec:
  command: [${process.execPath}, ${env.programScript}]
  user: nobody
  port: ${port}
  startSeconds: 0
`,
    );
    await env.start();
    const failed = await portConflict(env, 'Program/api');
    const ready = failed.conditions.find((c) => c.type === 'Ready')!;
    assert.equal(ready.status, 'False');
    assert.equal(failed.phase, 'Failed');
    assert.equal(failed.conditions.find((c) => c.type === 'Applied')?.reason, 'PortConflict');
    assert.match(
      ready.message,
      new RegExp(`port ${port} \\(instance 0\\) is already in use by pid ${holder.pid} \\(`),
    );
    assert.equal(failed.outputs?.pids ?? '', '', 'no instance was started to crash on the bind');
    // The holder still owns the port: nothing of tend's answers there.
    assert.equal(holder.exitCode, null);

    await release(holder);
    await waitFor(
      'the Program serving on its port',
      async () => (await httpGet(port, 'x').catch(() => undefined))?.body === 'program 0\n',
      120_000,
    );
    await phaseReady(env, 'Program/api', 'Program/api Ready');
  },
);

test(
  'a Terminal on a fixed port a foreign process holds is Failed as PortConflict; it listens once the port is free',
  { timeout: 300_000 },
  async (t) => {
    const { env, port, holder } = await heldPortEnv(t);
    env.write(
      'term.yaml',
      `apiVersion: tend/v1\nkind: Terminal\nmetadata: { name: term }\nspec:\n  user: nobody\n  port: ${port}\n`,
    );
    await env.start();
    const failed = await portConflict(env, 'Terminal/term');
    assert.equal(failed.phase, 'Failed');
    assert.match(
      failed.conditions.find((c) => c.type === 'Ready')!.message,
      new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use by pid ${holder.pid} \\(`),
    );
    assert.equal(holder.exitCode, null, 'the holder keeps its port');

    await release(holder);
    const ready = await phaseReady(env, 'Terminal/term', 'Terminal/term Ready on its port', 120_000);
    assert.equal(new URL(String(ready.outputs!.url)).port, String(port));
  },
);
