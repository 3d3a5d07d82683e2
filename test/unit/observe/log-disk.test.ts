// tend_log_dir_bytes on a real directory: counts the regular files below tend's log dir, nested ones
// too, never a symlink's target (a tenant's error-log dir may plant one pointing at a huge file).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { createRealHost } from '../../../src/host/real-host.js';
import { embeddedLayout } from '../../../src/layout/layout.js';
import { logDirBytes, registerLogDiskMetrics, tendLogDir } from '../../../src/observe/log-disk.js';
import { tempDir } from '../../helpers/tmp.js';

test("the log dir's bytes: nested files counted, symlinks not followed", async (t) => {
  const root = tempDir(t, 'tend-logdisk-');
  const layout = embeddedLayout(root);
  const dir = tendLogDir(layout);
  assert.equal(dir, join(root, 'log'));
  mkdirSync(join(dir, 'php/tenants/8.2-a'), { recursive: true });
  mkdirSync(join(dir, 'nginx'), { recursive: true });
  writeFileSync(join(dir, 'nginx/a.access.log'), 'x'.repeat(1000));
  writeFileSync(join(dir, 'nginx/a.access.log.1'), 'x'.repeat(500));
  writeFileSync(join(dir, 'php/tenants/8.2-a/error.log'), 'x'.repeat(24));
  const outside = join(root, 'big');
  writeFileSync(outside, 'x'.repeat(100_000));
  symlinkSync(outside, join(dir, 'php/tenants/8.2-a/evil.log'));
  symlinkSync(join(root), join(dir, 'loop'));
  const host = createRealHost();
  assert.equal(await logDirBytes(host, dir), 1524);

  const registry = new Registry();
  registerLogDiskMetrics(registry, host, layout);
  assert.match(await registry.metrics(), /^tend_log_dir_bytes 1524$/m);
});
