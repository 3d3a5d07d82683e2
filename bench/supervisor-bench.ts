// Benchmark of the native supervisor: crash-to-restart latency of a SIGKILLed instance (median of
// 20 kills), time to start 200 instances until all are running, and the live heap the 200 add.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createRealHost } from '../src/host/real-host.js';
import { embeddedLayout } from '../src/layout/layout.js';
import { programResource, type Program } from '../src/model/index.js';
import { PortLeases } from '../src/state/port-leases.js';
import { MIN_STABLE_MS, Supervisor, type SupervisorEvent } from '../src/supervisor/index.js';

const KILLS = 20;
const INSTANCES = 200;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, fn: () => boolean, limitMs = 60_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await sleep(2);
  }
}

/**
 * A collector callable without --expose-gc: `npm run bench` runs this after other benches, whose
 * garbage would otherwise make the "after" figure smaller than the "before" one.
 */
v8.setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;
/** What the JS heap and its buffers hold, after a full collection. */
const liveBytes = () => {
  collect();
  const m = process.memoryUsage();
  return m.heapUsed + m.external + m.arrayBuffers;
};

const vmRssKb = () => Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0);

function program(name: string, spec: Record<string, unknown>): Program {
  return programResource.parse({ apiVersion: 'tend/v1', kind: 'Program', metadata: { name }, spec });
}

function rig() {
  const root = mkdtempSync(join(tmpdir(), 'tend-bench-sup-'));
  const host = createRealHost();
  const layout = embeddedLayout(root);
  const sup = new Supervisor({ host, layout, leases: new PortLeases({ host, stateDir: layout.stateDir }) });
  const events: SupervisorEvent[] = [];
  sup.on('event', (e: SupervisorEvent) => events.push(e));
  return { root, sup, events };
}

const base = { command: ['sleep', '100000'], allowRoot: true, startSeconds: 0, stop: { timeout: '1s' } };

async function restartLatency(): Promise<number[]> {
  const { root, sup, events } = rig();
  try {
    await sup.apply([program('victim', { ...base, instances: KILLS })]);
    const pids = () => sup.statusOf('victim')?.instances.map((i) => i.pid) ?? [];
    await until('all up', () => pids().length === KILLS && pids().every((p) => p !== undefined));
    // Past MIN_STABLE_MS a death is a crash of a stable run: restarted at once, no backoff.
    await sleep(MIN_STABLE_MS + 200);
    const latencies: number[] = [];
    for (let i = 0; i < KILLS; i++) {
      const pid = pids()[i]!;
      const seen = events.length;
      const t0 = performance.now();
      process.kill(pid, 'SIGKILL');
      await until(`restart of ${i}`, () =>
        events.slice(seen).some((e) => e.reason === 'Started' && e.instance === i),
      );
      latencies.push(performance.now() - t0);
    }
    return latencies;
  } finally {
    await sup.stopAll({ graceful: false });
    rmSync(root, { recursive: true, force: true });
  }
}

async function startMany(): Promise<{ startMs: number; liveDeltaMb: number; vmRssMb: number }> {
  const { root, sup } = rig();
  try {
    const live0 = liveBytes();
    const t0 = performance.now();
    const progs = [0, 1, 2, 3].map((n) => program(`fleet-${n}`, { ...base, instances: INSTANCES / 4 }));
    await sup.apply(progs);
    await until(
      '200 running',
      () =>
        sup
          .status()
          .reduce((n, p) => n + p.instances.filter((i) => i.state === 'running' && i.pid).length, 0) ===
        INSTANCES,
    );
    const startMs = performance.now() - t0;
    await sleep(500);
    const liveDeltaMb = (liveBytes() - live0) / 2 ** 20;
    return { startMs, liveDeltaMb, vmRssMb: vmRssKb() / 1024 };
  } finally {
    await sup.stopAll({ graceful: false });
    rmSync(root, { recursive: true, force: true });
  }
}

export async function benchSupervisor(): Promise<void> {
  const lat = await restartLatency();
  console.log(
    `supervisor: crash-to-restart latency (SIGKILL → respawned), ${KILLS} kills: median ${median(lat).toFixed(1)} ms, ` +
      `min ${Math.min(...lat).toFixed(1)} ms, max ${Math.max(...lat).toFixed(1)} ms (target < 50 ms; supervisord ~1000 ms)`,
  );
  const many = await startMany();
  console.log(`supervisor: start ${INSTANCES} instances until all running: ${many.startMs.toFixed(0)} ms`);
  console.log(
    `supervisor: memory with ${INSTANCES} instances: +${many.liveDeltaMb.toFixed(1)} MB of live heap over the idle supervisor (process VmRSS ${many.vmRssMb.toFixed(1)} MB)`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await benchSupervisor();
