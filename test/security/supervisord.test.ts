// supervisord-backend Programs under the same identity rules as native ones, with a real
// supervisord: user= is always written, a Program without a user never reaches supervisord (it
// would run as root), and a tenant's program runs with the tenant's uid and membership only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, readFileSync } from 'node:fs';
import { isTendError } from '../../src/errors/catalogue.js';
import { programResource } from '../../src/model/index.js';
import { renderSupervisordProgram } from '../../src/render/supervisord-program.js';
import {
  apply,
  printer,
  record,
  runningAll,
  startHarness,
  waitFor,
} from '../integration/supervisord/harness.js';
import { isRoot, makeAccounts } from './accounts.js';

test(
  'a supervisord Program without a user is refused before supervisord; one with a user runs as that user',
  { skip: !isRoot && 'needs root', timeout: 120_000 },
  async (t) => {
    const accounts = makeAccounts(t);
    const h = await startHarness(t, 'tend-sec-sv-');
    chmodSync(h.root, 0o755);
    chmodSync(h.outDir, 0o777);

    // The attack: no user, no allowRoot. The schema says where; the renderer refuses too.
    const declared = {
      apiVersion: 'tend/v1',
      kind: 'Program',
      metadata: { name: 'rootless' },
      spec: { backend: 'supervisord', command: ['/bin/sleep', '600'] },
    };
    const parsed = programResource.safeParse(declared);
    assert.equal(parsed.success, false);
    assert.deepEqual(parsed.error?.issues[0]?.path, ['spec', 'user']);
    assert.match(parsed.error?.issues[0]?.message ?? '', /backend supervisord needs a user/);
    const good = printer(h, 'tenant', [], { user: accounts.tenant });
    const forced = { ...good, spec: { ...good.spec, user: undefined, allowRoot: false } };
    assert.throws(
      () => renderSupervisordProgram(forced, h.layout),
      (e) => isTendError(e, 'TEND_ERR_ROOT_REFUSED') && /needs spec\.user/.test(e.message),
    );
    const allowed = { ...good, spec: { ...good.spec, user: undefined, allowRoot: true } };
    assert.match(renderSupervisordProgram(allowed, h.layout).files[0]!.content, /^user=root$/m);

    await apply(h, { put: [good] });
    await waitFor(h, 'tenant running', runningAll('tenant', 1));
    const { pid } = await record(h, 'tenant');
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    assert.equal(Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]), accounts.uid(accounts.tenant));
    assert.equal(Number(/^Gid:\s+(\d+)/m.exec(status)?.[1]), accounts.gid(accounts.tenant));
    const groups = (/^Groups:\s*(.*)$/m.exec(status)?.[1] ?? '')
      .trim()
      .split(/\s+/)
      .map(Number)
      .sort((a, b) => a - b);
    assert.deepEqual(groups, accounts.gids(accounts.tenant), "the tenant's membership, none of root's");
  },
);
