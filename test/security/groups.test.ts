// `tend validate` (the real CLI and loader, with the host's user database) refuses every identity
// that is root in practice, for Programs (both backends), Pools and Terminals, each error located
// at file:line and field: group shadow, gid 0 by name and by alias, a uid-0 alias user, a member
// of adm, a Pool as root and a supervisord Program without a user.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, ensureBuilt } from '../helpers/e2e.js';
import { isRoot, makeAccounts } from './accounts.js';

interface Case {
  name: string;
  kind: 'Program' | 'Pool' | 'Terminal';
  spec: string[];
  /** The spec line the error must point at, and what it must say. */
  at: string;
  says: RegExp;
}

function yaml(c: Case): string {
  return [
    `apiVersion: tend/v1`,
    `kind: ${c.kind}`,
    `metadata: { name: ${c.name} }`,
    'spec:',
    ...c.spec.map((l) => `  ${l}`),
    '',
  ].join('\n');
}

test(
  'privileged identities are located config errors for Programs, Pools and Terminals',
  { skip: !isRoot && 'needs root to create users' },
  async (t) => {
    ensureBuilt();
    const a = makeAccounts(t);
    const ds = mkdtempSync(join(tmpdir(), 'tend-sec-groups-'));
    t.after(() => rmSync(ds, { recursive: true, force: true }));
    const prog = (user: string) => ['command: [/bin/sleep, "600"]', `user: ${user}`];
    const cases: Case[] = [
      {
        name: 'p-shadow',
        kind: 'Program',
        spec: [...prog(a.tenant), 'group: shadow'],
        at: 'group: shadow',
        says: /group shadow is privileged .*\/etc\/shadow.*allowRoot/,
      },
      {
        name: 'p-root-group',
        kind: 'Program',
        spec: [...prog(a.tenant), 'group: root'],
        at: 'group: root',
        says: /group root is privileged/,
      },
      {
        name: 'p-gid0-alias',
        kind: 'Program',
        spec: [...prog(a.tenant), `group: ${a.rootGroupAlias}`],
        at: 'group:',
        says: /gid 0 is root's group/,
      },
      {
        name: 'p-toor',
        kind: 'Program',
        spec: prog(a.toor),
        at: 'user:',
        says: /has uid 0, so it is root.*allowRoot: true/,
      },
      {
        name: 'p-adm',
        kind: 'Program',
        spec: prog(a.admMember),
        at: 'user:',
        says: /belongs to group adm \(its members read the system logs\)/,
      },
      {
        name: 'sv-no-user',
        kind: 'Program',
        spec: ['command: [/bin/sleep, "600"]', 'backend: supervisord'],
        at: 'backend:',
        says: /backend supervisord needs a user .*root.*allowRoot/,
      },
      {
        name: 'sv-toor',
        kind: 'Program',
        spec: [...prog(a.toor), 'backend: supervisord'],
        at: 'user:',
        says: /has uid 0/,
      },
      {
        name: 'pool-root',
        kind: 'Pool',
        spec: ['php: "8.2"', 'user: root'],
        at: 'user: root',
        says: /a pool never runs as root/,
      },
      {
        name: 'pool-toor',
        kind: 'Pool',
        spec: ['php: "8.2"', `user: ${a.toor}`],
        at: 'user:',
        says: /has uid 0.*php-fpm pools never run as root/,
      },
      {
        name: 'pool-shadow',
        kind: 'Pool',
        spec: ['php: "8.2"', 'group: shadow'],
        at: 'group: shadow',
        says: /group shadow is privileged/,
      },
      {
        name: 'pool-adm',
        kind: 'Pool',
        spec: ['php: "8.2"', `user: ${a.admMember}`],
        at: 'user:',
        says: /belongs to group adm/,
      },
      { name: 't-toor', kind: 'Terminal', spec: [`user: ${a.toor}`], at: 'user:', says: /has uid 0/ },
      {
        name: 't-adm',
        kind: 'Terminal',
        spec: [`user: ${a.admMember}`],
        at: 'user:',
        says: /belongs to group adm/,
      },
    ];
    for (const c of cases) writeFileSync(join(ds, `${c.name}.yaml`), yaml(c));
    // Control: the same shapes with an ordinary tenant, or with allowRoot, are valid.
    writeFileSync(
      join(ds, 'ok-program.yaml'),
      yaml({ name: 'ok-program', kind: 'Program', spec: prog(a.tenant), at: '', says: /./ }),
    );
    writeFileSync(
      join(ds, 'ok-toor.yaml'),
      yaml({
        name: 'ok-toor',
        kind: 'Program',
        spec: [...prog(a.toor), 'allowRoot: true'],
        at: '',
        says: /./,
      }),
    );
    writeFileSync(
      join(ds, 'ok-pool.yaml'),
      yaml({ name: 'ok-pool', kind: 'Pool', spec: ['php: "8.2"', `user: ${a.tenant}`], at: '', says: /./ }),
    );

    const r = spawnSync(process.execPath, [BIN, 'validate', '-d', ds], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    const lines = r.stdout.split('\n');
    for (const c of cases) {
      const file = `${c.name}.yaml`;
      const line =
        yaml(c)
          .split('\n')
          .findIndex((l) => l.trim().startsWith(c.at)) + 1;
      const field = c.name === 'sv-no-user' ? 'spec.user' : `spec.${c.at.split(':')[0]}`;
      const hit = lines.find((l) => l.startsWith(`${file}:`));
      assert.ok(hit, `${file}: no error reported; output:\n${r.stdout}`);
      assert.match(
        hit,
        new RegExp(`^${file}:(\\d+):\\d+: ${c.kind}/${c.name}: ${field.replace('.', '\\.')}: `),
        hit,
      );
      assert.match(hit, c.says, hit);
      if (c.name !== 'sv-no-user')
        assert.equal(Number(/:(\d+):/.exec(hit)?.[1]), line, `${hit} points at line ${line}`);
    }
    for (const ok of ['ok-program', 'ok-toor', 'ok-pool'])
      assert.ok(!lines.some((l) => l.startsWith(`${ok}.yaml:`)), `${ok} is valid; output:\n${r.stdout}`);
    assert.match(r.stdout, /3 resources valid/);
  },
);
