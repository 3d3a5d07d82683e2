// nginx's driver makes each vhost's log (private-logs.ts) tend's own before nginx opens it (mode 0640, never through
// a link). A log that already is one costs an lstat; one created 0644, widened, or missing is
// (re)made by ensureLogFile, and a link planted at its path is refused, as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { preparePrivateLogs } from '../../../src/drivers/nginx/private-logs.js';
import { createRealHost } from '../../../src/host/real-host.js';
import { embeddedLayout } from '../../../src/layout/layout.js';
import { tempDir } from '../../helpers/tmp.js';

function driverWithCounts(root: string) {
  const real = createRealHost();
  const ensured: string[] = [];
  const host = {
    ...real,
    fs: {
      ...real.fs,
      ensureLogFile: (p: string, mode: number) => {
        ensured.push(p);
        return real.fs.ensureLogFile!(p, mode);
      },
    },
  };
  const layout = embeddedLayout(root);
  // One set per driver, as a driver lives for one pass.
  const done = new Set<string>();
  const prepareLogs = () => preparePrivateLogs({ host, layout, manager: 'signals' }, done);
  return { layout, ensured, prepareLogs };
}

test('vhost logs: made private when missing or too open, one lstat when already private', async (t) => {
  const root = tempDir(t, 'tend-nginx-logs-');
  const first = driverWithCounts(root);
  const { layout } = first;
  mkdirSync(layout.nginx.includeDir, { recursive: true });
  for (const s of ['a', 'b']) writeFileSync(layout.nginx.siteFile(s), `# site ${s}\n`);
  await first.prepareLogs();
  const access = layout.nginx.siteLog('a', 'access');
  assert.ok(existsSync(access));
  assert.equal(statSync(access).mode & 0o777, 0o640);
  assert.equal(first.ensured.length, 6, 'main error and access logs, and two per vhost');

  // The next pass's driver: nothing to do for logs that are already private.
  const second = driverWithCounts(root);
  await second.prepareLogs();
  assert.deepEqual(second.ensured, []);

  // Widened behind tend's back, or gone: the next pass makes it private again.
  chmodSync(access, 0o644);
  const errorLog = layout.nginx.siteLog('b', 'error');
  rmSync(errorLog);
  const third = driverWithCounts(root);
  await third.prepareLogs();
  assert.deepEqual(third.ensured.sort(), [access, errorLog].sort());
  assert.equal(statSync(access).mode & 0o777, 0o640);
  assert.equal(statSync(errorLog).mode & 0o777, 0o640);

  // A link planted at a log's path is never followed.
  const target = `${dirname(access)}/target`;
  writeFileSync(target, '', { mode: 0o600 });
  rmSync(access);
  symlinkSync(target, access);
  await assert.rejects(driverWithCounts(root).prepareLogs());
  assert.equal(statSync(target).mode & 0o777, 0o600);
});
