// Not a test (no timing assertions on busy machines): prints how long rendering 1,000 Sites and
// 1,000 Pools takes. Run: node dist/test/unit/render/render-speed.js
import { loadTemplates } from '../../../src/host/templates.js';
import { embeddedLayout } from '../../../src/layout/index.js';
import { keyOf, type Resource } from '../../../src/model/index.js';
import { renderAll } from '../../../src/render/index.js';
import { resource } from './fixtures.js';

const N = 1000;
const RUNS = 30;
const presets = ['php', 'laravel', 'wordpress', 'static', 'spa'] as const;
const all: Resource[] = [];
for (let i = 0; i < N; i++) {
  all.push(
    resource('Pool', `p${i}`, {
      php: '8.2',
      env: { APP_ENV: 'production', APP_KEY: { value: `secret-${i}` } },
      phpAdminValues: { memory_limit: '128M' },
      slowlog: { timeout: '5s' },
    }),
  );
  const preset = presets[i % presets.length]!;
  all.push(
    resource('Site', `s${i}`, {
      domains: [`s${i}.example.com`, `www.s${i}.example.com`],
      preset,
      root: `/srv/www/s${i}`,
      ...(['php', 'laravel', 'wordpress'].includes(preset) ? { php: { pool: `p${i}` } } : {}),
      headers: { 'X-Frame-Options': 'DENY' },
      redirects: [{ from: '/old', to: '/new' }],
      ...(i % 2
        ? { tls: { certificate: '/etc/ssl/c.pem', key: '/etc/ssl/k.pem', hsts: { maxAge: 300 } } }
        : {}),
    }),
  );
}

const loadStart = performance.now();
const templates = loadTemplates();
const loadMs = performance.now() - loadStart;
const ctx = {
  layout: embeddedLayout('/srv/tend'),
  resources: new Map(all.map((r) => [keyOf(r), r])),
  templates,
};
const wall: number[] = [];
const cpu: number[] = [];
let bytes = 0;
for (let run = 0; run < RUNS; run++) {
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  const out = renderAll(all, ctx);
  wall.push(performance.now() - start);
  const used = process.cpuUsage(cpuStart);
  cpu.push((used.user + used.system) / 1000);
  if (run === 0) bytes = out.reduce((n, r) => n + r.files.reduce((m, f) => m + f.content.length, 0), 0);
}
const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `first ${xs[0]!.toFixed(1)} ms, min ${s[0]!.toFixed(1)} ms, median ${s[Math.floor(s.length / 2)]!.toFixed(1)} ms`;
};
console.log(`templates loaded and parsed in ${loadMs.toFixed(1)} ms`);
console.log(`renderAll(${N} Sites + ${N} Pools) → ${(bytes / 1e6).toFixed(2)} MB over ${RUNS} runs`);
console.log(`  wall: ${stats(wall)}`);
console.log(`  cpu:  ${stats(cpu)}`);
