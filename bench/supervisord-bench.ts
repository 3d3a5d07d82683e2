// Benchmark: how long supervisord takes to restart a SIGKILLed instance. The program stamps its own
// spawn time into a file; the bench watches that file, not XML-RPC, because any request would wake
// supervisord's 1 s select loop early and hide the latency being measured.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SupervisordDriver } from '../src/drivers/supervisord/driver.js';
import { createRealHost } from '../src/host/real-host.js';
import { embeddedLayout } from '../src/layout/layout.js';
import { programResource } from '../src/model/index.js';
import { renderSupervisordProgram } from '../src/render/supervisord-program.js';

const KILLS = 10;
const host = createRealHost();

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

async function until<T>(what: string, probe: () => Promise<T | undefined>, limitMs = 30_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await host.sleep(2);
  }
}

/** Spawn stamp written by the program: "<pid> <epoch ms>". */
async function readStamp(path: string): Promise<{ pid: number; at: number } | undefined> {
  const text = (await host.fs.readFile(path))?.trim();
  const m = text ? /^(\d+) (\d+)$/.exec(text) : null;
  return m ? { pid: Number(m[1]), at: Number(m[2]) / 1e6 } : undefined;
}

export async function benchSupervisord(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'tend-svbench-'));
  const layout = embeddedLayout(root);
  const driver = new SupervisordDriver({ host, layout });
  const stamp = join(root, 'stamp');
  try {
    await driver.ensureRunning();
    const program = programResource.parse({
      apiVersion: 'tend/v1',
      kind: 'Program',
      metadata: { name: 'victim' },
      spec: {
        backend: 'supervisord',
        command: [`echo "$$ $(date +%s%N)" > ${stamp}.tmp && mv ${stamp}.tmp ${stamp} && exec sleep 600`],
        shell: true,
        // It writes into tend's 0700 temp root, so it runs as root on purpose.
        allowRoot: true,
      },
    });
    const file = renderSupervisordProgram(program, layout).files[0]!;
    await host.fs.writeFileAtomic(file.path, file.content, file.mode);
    driver.enqueue({ added: ['victim'] });
    await driver.reload();

    const latencies: number[] = [];
    for (let i = 0; i < KILLS; i++) {
      // Kill only a RUNNING instance: one killed inside startsecs counts as a failed start (BACKOFF).
      const pid = await until('victim RUNNING', async () => {
        const info = await driver.client.getProcessInfo('victim');
        return info.statename === 'RUNNING' ? info.pid : undefined;
      });
      const before = await until('spawn stamp', () => readStamp(stamp));
      if (before.pid !== pid) throw new Error(`bench: stamp pid ${before.pid} is not the running pid ${pid}`);
      const killedAt = Date.now();
      host.kill(pid, 'SIGKILL');
      const after = await until('restart', async () => {
        const s = await readStamp(stamp);
        return s && s.pid !== pid ? s : undefined;
      });
      latencies.push(after.at - killedAt);
    }
    const fmt = (ms: number) => `${ms.toFixed(0)} ms`;
    console.log(
      `supervisord: SIGKILL → restarted (spawned) over ${KILLS} kills: median ${fmt(median(latencies))}, ` +
        `min ${fmt(Math.min(...latencies))}, max ${fmt(Math.max(...latencies))}`,
    );
  } finally {
    await driver.stop().catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await benchSupervisord();
