import { test } from 'node:test';
import assert from 'node:assert/strict';
import { plan, isInSync, type Change } from '../../../src/plan/index.js';
import { content, EMPTY_INVENTORY, input, inventoryFrom, observedFrom, rendered } from './fixtures.js';
import type { Rendered } from '../../../src/render/types.js';

const find = (changes: Change[], key: string) => changes.find((c) => c.key === key)!;

test('a resource with nothing on the host and nothing in the inventory is created', () => {
  const site = rendered('Site/shop');
  const p = plan(input([site], observedFrom([]), EMPTY_INVENTORY));
  const c = find(p.changes, 'Site/shop');
  assert.equal(c.action, 'create');
  assert.equal(c.reason, 'not on the host');
  assert.equal(c.generation, 'g1');
  assert.deepEqual(c.services, ['nginx']);
  assert.equal(c.ops.length, 1);
  const op = c.ops[0]!;
  assert.equal(op.op, 'write');
  if (op.op === 'write') {
    assert.equal(op.content, site.files[0]!.content);
    assert.match(op.diff, /^--- \/dev\/null\n\+\+\+ \/r\/site\/shop\.conf\n/);
  }
  assert.deepEqual(p.summary, { create: 1, update: 0, delete: 0, noop: 0, blocked: 0 });
  assert.equal(p.formatVersion, 1);
});

test('in sync: every change is a no-op with no ops, and the plan says so', () => {
  const rs = [rendered('Site/a'), rendered('Pool/a'), rendered('Program/w')];
  const p = plan(input(rs, observedFrom(rs), inventoryFrom(rs), { revision: 'abc' }));
  assert.ok(p.changes.every((c) => c.action === 'no-op' && c.ops.length === 0 && c.services.length === 0));
  assert.deepEqual(p.summary, { create: 0, update: 0, delete: 0, noop: 3, blocked: 0 });
  assert.equal(p.pruneHeld, undefined);
  assert.equal(p.revision, 'abc');
  assert.ok(isInSync(p));
});

test('a different generation in the inventory is "spec changed", even when no file differs', () => {
  const rs = [rendered('Pool/a')];
  const p = plan(
    input(
      rs,
      observedFrom(rs),
      inventoryFrom(rs, () => 'old'),
    ),
  );
  const c = find(p.changes, 'Pool/a');
  assert.equal(c.action, 'update');
  assert.equal(c.reason, 'spec changed');
  assert.equal(c.ops.length, 0);
});

test('a spec change rewrites the file and carries a diff with before and after', () => {
  const before = [rendered('Pool/a', 'pm = static')];
  const after = [rendered('Pool/a', 'pm = dynamic')];
  const p = plan(
    input(
      after,
      observedFrom(before),
      inventoryFrom(before, () => 'old'),
    ),
  );
  const c = find(p.changes, 'Pool/a');
  assert.equal(c.reason, 'spec changed');
  assert.deepEqual(c.services, ['php-fpm@8.2']);
  const op = c.ops[0]!;
  assert.ok(op.op === 'write');
  assert.equal(op.before, before[0]!.files[0]!.content);
  assert.match(op.diff, /^-pm = static$/m);
  assert.match(op.diff, /^\+pm = dynamic$/m);
});

test('drift: a managed file edited by hand, or missing, is updated with the path in the reason', () => {
  const rs = [rendered('Site/a'), rendered('Site/b')];
  const observed = observedFrom(rs);
  const edited = rs[0]!.files[0]!.path;
  (observed.files as Map<string, unknown>).set(edited, {
    path: edited,
    content: content('Site/a', 'hand edit'),
    managedBy: 'Site/a',
  });
  (observed.files as Map<string, unknown>).delete(rs[1]!.files[0]!.path);
  const p = plan(input(rs, observed, inventoryFrom(rs)));
  assert.equal(find(p.changes, 'Site/a').reason, `drift: ${edited} was edited by hand`);
  assert.equal(find(p.changes, 'Site/b').reason, `drift: ${rs[1]!.files[0]!.path} is missing`);
  assert.deepEqual(p.summary, { create: 0, update: 2, delete: 0, noop: 0, blocked: 0 });
});

test('a file tend does not own blocks the change unless spec.adopt is true', () => {
  const site = rendered('Site/shop');
  const path = site.files[0]!.path;
  const foreign = { path, content: 'server { listen 80; }\n' };
  const blocked = plan(input([site], observedFrom([], [foreign]), EMPTY_INVENTORY));
  const c = find(blocked.changes, 'Site/shop');
  assert.equal(c.blocked?.code, 'TEND_ERR_NOT_OWNED');
  assert.match(c.blocked!.message, new RegExp(path.replace(/\//g, '\\/')));
  assert.match(c.blocked!.message, /spec\.adopt: true/);
  assert.equal(c.ops.length, 0, 'a blocked change carries no ops the executor could run');
  assert.equal(blocked.summary.blocked, 1);
  assert.equal(blocked.summary.create, 0);
  assert.ok(!isInSync(blocked));

  const adopted = plan(
    input([site], observedFrom([], [foreign]), EMPTY_INVENTORY, { adopt: new Set(['Site/shop']) }),
  );
  const a = find(adopted.changes, 'Site/shop');
  assert.equal(a.blocked, undefined);
  assert.equal(a.action, 'update');
  assert.match(a.reason, /adopting/);
  assert.match((a.ops[0] as { diff: string }).diff, /^-server \{ listen 80; \}$/m);
});

test('a file managed by another resource is blocked even with adopt, and names the owner', () => {
  const a = rendered('Site/a');
  const clash: Rendered = {
    ...rendered('Site/b'),
    files: [{ ...a.files[0]!, content: content('Site/b', 'x') }],
  };
  const p = plan(input([clash], observedFrom([a]), EMPTY_INVENTORY, { adopt: new Set(['Site/b']) }));
  const c = find(p.changes, 'Site/b');
  assert.equal(c.blocked?.code, 'TEND_ERR_NOT_OWNED');
  assert.match(c.blocked!.message, /managed by Site\/a/);
});

test('order: Pools, Programs, Sites, Terminals; deletions last, Sites before Pools', () => {
  const old = [rendered('Pool/old'), rendered('Site/old'), rendered('Program/old'), rendered('Terminal/old')];
  const keep = [rendered('Pool/keep'), rendered('Site/keep')];
  const desired = [
    rendered('Terminal/t'),
    rendered('Site/b'),
    rendered('Site/a'),
    rendered('Program/p'),
    rendered('Pool/z'),
    ...keep,
  ];
  const inv = inventoryFrom([...old, ...keep]);
  const p = plan(
    input(desired, observedFrom([...old, ...keep]), inv, { options: { allowMassDelete: true } }),
  );
  assert.deepEqual(
    p.changes.map((c) => `${c.action} ${c.key}`),
    [
      'no-op Pool/keep',
      'create Pool/z',
      'create Program/p',
      'create Site/a',
      'create Site/b',
      'no-op Site/keep',
      'create Terminal/t',
      'delete Terminal/old',
      'delete Site/old',
      'delete Program/old',
      'delete Pool/old',
    ],
  );
});

test('delete removes the files and links the resource owns, and keeps files someone else took over', () => {
  const gone: Rendered = {
    ...rendered('Site/gone'),
    links: [{ path: '/r/enabled/gone.conf', target: '/r/site/gone.conf', service: 'nginx' }],
  };
  const stays = [rendered('Site/a'), rendered('Site/b')];
  const all = [gone, ...stays];
  const p = plan(input(stays, observedFrom(all), inventoryFrom(all)));
  const c = find(p.changes, 'Site/gone');
  assert.equal(c.action, 'delete');
  assert.equal(c.reason, 'removed from the desired state');
  assert.deepEqual(
    c.ops.map((o) => `${o.op} ${o.path}`),
    ['remove /r/site/gone.conf', 'unlink /r/enabled/gone.conf'],
  );
  assert.deepEqual(c.services, ['nginx']);

  const observed = observedFrom(all);
  (observed.files as Map<string, unknown>).set('/r/site/gone.conf', {
    path: '/r/site/gone.conf',
    content: 'mine now\n',
  });
  const kept = find(plan(input(stays, observed, inventoryFrom(all))).changes, 'Site/gone');
  assert.deepEqual(
    kept.ops.map((o) => o.op),
    ['unlink'],
  );
  assert.match(kept.reason, /keeping \/r\/site\/gone\.conf/);
});

test('links: a missing or wrong link is fixed; a foreign file at the link path blocks', () => {
  const r: Rendered = {
    ...rendered('Site/a'),
    links: [{ path: '/r/enabled/a.conf', target: '/r/site/a.conf', service: 'nginx' }],
  };
  const inv = inventoryFrom([r]);
  const missing = observedFrom([rendered('Site/a')]);
  assert.equal(
    find(plan(input([r], missing, inv)).changes, 'Site/a').reason,
    'drift: /r/enabled/a.conf is missing',
  );

  const wrong = observedFrom([r]);
  (wrong.links as Map<string, unknown>).set('/r/enabled/a.conf', {
    path: '/r/enabled/a.conf',
    target: '/elsewhere',
  });
  const c = find(plan(input([r], wrong, inv)).changes, 'Site/a');
  assert.equal(c.reason, 'drift: /r/enabled/a.conf points to /elsewhere');
  assert.deepEqual(c.ops, [
    { op: 'link', path: '/r/enabled/a.conf', target: '/r/site/a.conf', service: 'nginx' },
  ]);

  const occupied = observedFrom([rendered('Site/a')], [{ path: '/r/enabled/a.conf', content: 'x' }]);
  assert.equal(find(plan(input([r], occupied, inv)).changes, 'Site/a').blocked?.code, 'TEND_ERR_NOT_OWNED');
});

test('a file the resource no longer renders is removed as part of its update', () => {
  const v1 = rendered('Pool/a');
  const v2: Rendered = { ...v1, files: [{ ...v1.files[0]!, path: '/r/pool/8.3/a.conf' }] };
  const p = plan(input([v2], observedFrom([v1]), inventoryFrom([v1])));
  const c = find(p.changes, 'Pool/a');
  assert.equal(c.action, 'update');
  assert.deepEqual(
    c.ops.map((o) => `${o.op} ${o.path}`),
    ['write /r/pool/8.3/a.conf', 'remove /r/pool/a.conf'],
  );
});

test('a pending resource is blocked with its reason and is never deleted', () => {
  const site = rendered('Site/app');
  const others = [rendered('Site/x'), rendered('Site/y')];
  const p = plan(
    input(others, observedFrom([site, ...others]), inventoryFrom([site, ...others]), {
      pending: new Map([
        ['Site/app', { code: 'TEND_ERR_DEPENDENCY_PENDING', message: "waiting for Program/api's port" }],
      ]),
    }),
  );
  const c = find(p.changes, 'Site/app');
  assert.equal(c.action, 'update');
  assert.equal(c.blocked?.message, "waiting for Program/api's port");
  assert.ok(!p.changes.some((x) => x.action === 'delete'));
});

test('--only narrows the plan to one resource', () => {
  const rs = [rendered('Site/a'), rendered('Site/b'), rendered('Pool/c')];
  const p = plan(input(rs, observedFrom([]), EMPTY_INVENTORY, { options: { only: 'Site/b' } }));
  assert.deepEqual(
    p.changes.map((c) => c.key),
    ['Site/b'],
  );
});

test('a file tend recorded but that is not on the host is not in the inventory: resuming an apply', () => {
  const rs = [rendered('Site/a')];
  const p = plan(input(rs, observedFrom(rs), EMPTY_INVENTORY));
  const c = find(p.changes, 'Site/a');
  assert.equal(c.action, 'update');
  assert.match(c.reason, /not in the inventory/);
});
