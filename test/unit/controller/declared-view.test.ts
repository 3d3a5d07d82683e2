// The API's view of a resource pairs its status (the store, changed during a pass) with its spec
// (the desired state a pass loaded). Both must come from the same pass: a Site that never went live
// and was then deleted loses its status in the middle of a pass, and the API must not list it from
// the previous pass's load until that pass ends (the truth-offline e2e flake, decision 0047).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { controllerApiDeps } from '../../../src/controller/api-deps.js';
import { Controller } from '../../../src/controller/controller.js';
import { embeddedLayout } from '../../../src/layout/layout.js';
import { controllerOptions } from '../../helpers/controller-env.js';

// Suspended by its spec: planned, never applied, never inventoried, like a held-back Site.
const suspendedSite = (root: string) => `apiVersion: tend/v1
kind: Site
metadata: { name: taken }
spec:
  domains: [taken.localhost]
  preset: static
  root: ${root}
  suspend: true
`;

test('a never-applied Site deleted from the desired state leaves the API at the moment it leaves status', async (t) => {
  const base = mkdtempSync(join(tmpdir(), 'tend-declared-'));
  // nginx's workers must be able to enter the Site's root, or the Site is invalid (decision 0042).
  chmodSync(base, 0o755);
  const ds = join(base, 'ds');
  const www = join(base, 'www');
  mkdirSync(ds);
  mkdirSync(www);
  writeFileSync(join(ds, 'taken.yaml'), suspendedSite(www));
  const opts = {
    ...(await controllerOptions(base, ds, 3_600_000)),
    layout: embeddedLayout(join(base, 'root'), { webBases: [base] }),
  };
  const controller = new Controller(opts);
  t.after(async () => {
    await controller.stop({ keepPrograms: false });
    rmSync(base, { recursive: true, force: true });
  });
  const api = controllerApiDeps({ controller, opts, isReady: () => true });

  const first = await controller.reconcile();
  assert.equal(first.outcome.ok, true, JSON.stringify(first.outcome));
  assert.ok(opts.store.get('Site/taken'), 'the suspended Site has status');
  const listed = api.listResources({});
  assert.deepEqual(
    listed.map((v) => [v.key, v.spec !== undefined, v.status !== undefined]),
    [['Site/taken', true, true]],
    'listed with its spec and status',
  );

  // What the API shows at the instant the status goes, in the middle of the next pass.
  const seen: { listed: string[]; got: boolean }[] = [];
  const stop = opts.store.watch((key, _before, after) => {
    if (key !== 'Site/taken' || after !== undefined) return;
    seen.push({
      listed: api.listResources({}).map((v) => v.key),
      got: api.getResource('Site', 'taken') !== undefined,
    });
  });
  t.after(stop);
  rmSync(join(ds, 'taken.yaml'));
  const second = await controller.reconcile();
  assert.equal(second.outcome.ok, true, JSON.stringify(second.outcome));

  assert.equal(opts.store.get('Site/taken'), undefined, 'the deleted Site left status');
  assert.equal(seen.length, 1, 'its status was removed once, during the pass');
  assert.deepEqual(seen[0], { listed: [], got: false }, 'the API agreed with status when it went');
  assert.deepEqual(api.listResources({}), [], 'and after the pass');
  assert.equal(api.getResource('Site', 'taken'), undefined);
});
