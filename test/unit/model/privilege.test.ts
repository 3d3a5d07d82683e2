// The privileged-identity rule over a given user database: uid-0 and gid-0 aliases, privileged
// memberships (primary or supplementary), allowRoot, and Pools (never root).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAccounts } from '../../../src/host/accounts.js';
import {
  noPrivilegedIdentities,
  poolResource,
  programResource,
  terminalResource,
} from '../../../src/model/index.js';

const accounts = parseAccounts(
  [
    'root:x:0:0:root:/root:/bin/bash',
    'toor:x:0:0::/root:/bin/sh',
    'app:x:1000:1000::/home/app:/bin/sh',
    'ops:x:1001:1001::/home/ops:/bin/sh',
    'logger:x:1002:4::/home/logger:/bin/sh',
  ].join('\n'),
  ['root:x:0:', 'adm:x:4:', 'docker:x:998:ops', 'app:x:1000:', 'ops:x:1001:', 'wheel0:x:0:'].join('\n'),
);
const meta = (name: string) => ({ apiVersion: 'tend/v1', metadata: { name } });
const prog = (name: string, spec: Record<string, unknown>) =>
  programResource.parse({ ...meta(name), kind: 'Program', spec: { command: ['x'], ...spec } });

test('uid-0 aliases, gid-0 aliases and privileged memberships are refused; allowRoot admits them', () => {
  const issues = noPrivilegedIdentities(
    [
      prog('toor', { user: 'toor' }),
      prog('wheel0', { user: 'app', group: 'wheel0' }),
      prog('docker', { user: 'ops' }),
      prog('adm-primary', { user: 'logger' }),
      prog('fine', { user: 'app' }),
      prog('allowed', { user: 'toor', allowRoot: true }),
      poolResource.parse({ ...meta('pool'), kind: 'Pool', spec: { php: '8.2', user: 'toor' } }),
      terminalResource.parse({ ...meta('term'), kind: 'Terminal', spec: { user: 'ops' } }),
      terminalResource.parse({
        ...meta('term-ok'),
        kind: 'Terminal',
        spec: { user: 'ops', allowRoot: true },
      }),
    ],
    { accounts },
  );
  const by = new Map(issues.map((i) => [i.key, i]));
  assert.deepEqual([...by.keys()].sort(), [
    'Pool/pool',
    'Program/adm-primary',
    'Program/docker',
    'Program/toor',
    'Program/wheel0',
    'Terminal/term',
  ]);
  assert.match(by.get('Program/toor')!.message, /has uid 0/);
  assert.deepEqual(by.get('Program/wheel0')!.path, ['spec', 'group']);
  assert.match(by.get('Program/docker')!.message, /belongs to group docker/);
  assert.match(by.get('Program/adm-primary')!.message, /belongs to group adm/);
  assert.match(by.get('Pool/pool')!.message, /php-fpm pools never run as root/);
  for (const i of issues) assert.equal(i.code, 'TEND_ERR_ROOT_REFUSED');
});

test('without a user database the rule says nothing (tend validate --no-host-checks)', () => {
  assert.deepEqual(noPrivilegedIdentities([prog('toor', { user: 'toor' })], {}), []);
});
