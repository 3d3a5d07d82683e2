// An adopting update (spec.adopt: true over a host file tend does not manage) is classified
// directive by directive: same directives with tend's own lines added, or the host lines dropped or
// changed, listed with what replaces them, secrets masked; the full text diff stays in the JSON and
// behind fullDiff (decision 0043).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { publicPlan } from '../../../src/api/plan-view.js';
import { parseReconcileArgs } from '../../../src/cli/reconcile.js';
import { formatPlanText, plan, planToJson, type Change, type FileOp } from '../../../src/plan/index.js';
import { planJsonSchema } from '../../../src/plan/plan-json-schema.js';
import type { ResourceKey } from '../../../src/model/index.js';
import type { Rendered } from '../../../src/render/types.js';
import { content, EMPTY_INVENTORY, input, observedFrom } from './fixtures.js';

function adopting(key: ResourceKey, host: string, body: string, secrets: string[] = []) {
  const [kind, name] = key.split('/') as [string, string];
  const service = kind === 'Site' ? 'nginx' : kind === 'Pool' ? 'php-fpm@8.2' : 'supervisord';
  const path = `/etc/${kind.toLowerCase()}/${name}.conf`;
  const r: Rendered = {
    key,
    files: [{ path, content: content(key, body), mode: 0o644, service, secrets }],
    links: [],
    outputs: {},
  };
  const p = plan(
    input([r], observedFrom([], [{ path, content: host }]), EMPTY_INVENTORY, { adopt: new Set([key]) }),
  );
  const change = p.changes.find((c) => c.key === key)!;
  return { p, change, op: change.ops[0] as Extract<FileOp, { op: 'write' }> };
}

const hostVhost = `# the shop, by hand
server {
    listen 80;
    server_name shop.example.test;
    root /srv/shop/public;
    location / { try_files $uri $uri/ /index.php?$query_string; }
}
`;

test('a vhost with the same directives: the headline says so and names what tend adds, no diff body', () => {
  const tend = `server {
  listen 0.0.0.0:80;
  server_name shop.example.test;
  root "/srv/shop/public";
  disable_symlinks if_not_owner;
  location ~ /\\. { deny all; }
  location / {
    try_files $uri $uri/ /index.php?$query_string;
  }
  access_log /var/log/tend/shop.access.log;
}`;
  const { p, change, op } = adopting('Site/shop', hostVhost, tend);
  assert.equal(change.action, 'update');
  assert.deepEqual(op.adoption, {
    sameDirectives: true,
    hostOnly: [],
    tendAdds: [
      'server > disable_symlinks if_not_owner',
      'server > location ~ "/\\\\." > deny all',
      'server > access_log /var/log/tend/shop.access.log',
    ],
  });
  const text = formatPlanText(p);
  const lines = text.split('\n');
  assert.ok(
    lines.includes(
      '  ~ Site/shop will be updated (adopting /etc/site/shop.conf (spec.adopt: true); same directives as the ' +
        'host file; tend adds 3 lines: disable_symlinks, deny, access_log)',
    ),
    text,
  );
  assert.ok(!text.includes('+++') && !text.includes('@@'), `no text diff by default:\n${text}`);
  // The full diff is one option away, and always in the JSON.
  const full = formatPlanText(p, { fullDiff: true });
  assert.ok(
    full.includes('      +++ /etc/site/shop.conf') && full.includes('      -# the shop, by hand'),
    full,
  );
  const json = planJsonSchema.parse(planToJson(p));
  assert.deepEqual(json.changes[0]!.files[0]!.adoption, op.adoption);
  assert.match(json.changes[0]!.files[0]!.diff, /^-# the shop, by hand$/m);
});

test('a dropped and a changed directive are listed as - host / + tend lines, nothing else', () => {
  const host = `server {
    listen 80;
    server_name app.example.test;
    access_log /var/log/nginx/app.log;
    location / { proxy_pass http://127.0.0.1:3000; proxy_set_header Connection upgrade; }
}`;
  const tend = `server {
    listen 80;
    server_name app.example.test;
    disable_symlinks if_not_owner;
    location / {
      proxy_pass http://127.0.0.1:3000;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $host;
    }
}`;
  const { p, op } = adopting('Site/app', host, tend);
  assert.deepEqual(op.adoption?.hostOnly, [
    'server > access_log /var/log/nginx/app.log',
    'server > location / > proxy_set_header Connection upgrade',
  ]);
  assert.equal(op.adoption?.sameDirectives, false);
  const text = formatPlanText(p);
  const body = text.split('\n').filter((l) => l.startsWith('      '));
  assert.deepEqual(body, [
    '      - server > access_log /var/log/nginx/app.log',
    '      - server > location / > proxy_set_header Connection upgrade',
    '      + server > location / > proxy_set_header Connection $connection_upgrade',
  ]);
  assert.match(
    text,
    /; 2 host directives dropped or changed; tend adds 3 lines: disable_symlinks, proxy_set_header ×2\)/,
  );
});

test("a pool's secret is masked on both sides, old value and new", () => {
  const host = '[shop]\nuser = shop\npm = ondemand\nenv[DB_PASS] = old-hunter2\n';
  const tend = '[shop]\nuser = shop\npm = ondemand\nenv[DB_PASS] = "new-hunter2"\n';
  const { p, op } = adopting('Pool/shop', host, tend, ['new-hunter2']);
  assert.deepEqual(op.adoption, {
    sameDirectives: false,
    hostOnly: ['env[DB_PASS] = (sensitive)'],
    tendAdds: ['env[DB_PASS] = (sensitive)'],
  });
  const text = formatPlanText(p);
  assert.ok(!text.includes('hunter2'), text);
  assert.ok(!JSON.stringify(planToJson(p).changes[0]!.files[0]!.adoption).includes('hunter2'));
});

test('a program: defaults and quoting compare equal; a second section in the host file is listed', () => {
  const host = '[program:w]\ncommand=php "artisan" queue:work\nautostart=yes\nuser=app\n';
  const tend = '[program:w]\ncommand=php artisan queue:work\nuser=app\nstopasgroup=true\n';
  const same = adopting('Program/w', host, tend);
  assert.deepEqual(same.op.adoption, {
    sameDirectives: true,
    hostOnly: [],
    tendAdds: ['stopasgroup = true'],
  });
  const two = adopting('Program/w', `${host}[program:other]\ncommand=sleep 1\n`, tend);
  assert.deepEqual(two.op.adoption?.hostOnly, ['[program:other] command = ["sleep","1"]']);
});

test('a host file nginx would not read gets no comparison: the full diff is shown', () => {
  const { p, change, op } = adopting('Site/bad', 'server { listen 80;\n', 'server { listen 80; }');
  assert.equal(op.adoption, undefined);
  assert.equal(planToJson(p).changes[0]!.files[0]!.adoption, null);
  assert.ok(formatPlanText(p).includes('      +++ /etc/site/bad.conf'));
  assert.ok(!change.reason.includes('same directives'));
});

test('a change that adopts nothing is printed as before', () => {
  const c: Change = {
    key: 'Site/x',
    kind: 'Site',
    name: 'x',
    action: 'update',
    reason: 'spec changed',
    ops: [],
    services: [],
  };
  const text = formatPlanText({
    formatVersion: 1,
    changes: [c],
    summary: { create: 0, update: 1, delete: 0, noop: 0, blocked: 0 },
  });
  assert.ok(text.includes('  ~ Site/x will be updated (spec changed)\n'), text);
});

test('--diff full asks for the text diff; any other value is refused by name', () => {
  const full = parseReconcileArgs(['--plan', '--diff', 'full'], '/work');
  assert.ok(full.ok === true && full.opts.fullDiff === true);
  const compact = parseReconcileArgs(['--plan'], '/work');
  assert.ok(compact.ok === true && compact.opts.fullDiff === undefined);
  const bad = parseReconcileArgs(['--plan', '--diff', 'unified'], '/work');
  assert.deepEqual(bad, { ok: false, message: 'expected --diff directives or full, got "unified"' });
});

test('the served plan masks every secret in adoption lines too, as in diffs', () => {
  const op: FileOp = {
    op: 'write',
    path: '/etc/pool/shop.conf',
    service: 'php-fpm@8.2',
    mode: 0o600,
    content: 'env[X] = "s3cr3t"',
    diff: '',
    secrets: ['s3cr3t'],
    adoption: { sameDirectives: false, hostOnly: ['[other] env[Y] = s3cr3t'], tendAdds: ['pm = s3cr3t'] },
  };
  const c: Change = {
    key: 'Pool/shop',
    kind: 'Pool',
    name: 'shop',
    action: 'update',
    reason: 'adopting',
    ops: [op],
    services: [],
  };
  const served = publicPlan({
    formatVersion: 1,
    changes: [c],
    summary: { create: 0, update: 1, delete: 0, noop: 0, blocked: 0 },
  });
  assert.deepEqual(served.changes[0]!.files[0]!.adoption, {
    sameDirectives: false,
    hostOnly: ['[other] env[Y] = (sensitive)'],
    tendAdds: ['pm = (sensitive)'],
  });
});
