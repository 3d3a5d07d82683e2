// A vhost tend does not manage keeps its domains against every Site (decision 0032), except the one
// block a Site with `adopt: true` is about to take over: the one at that Site's own file (0043).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { foreignDomainClaims, type LiveVhosts, type Resource } from '../../../src/model/index.js';
import { resource } from '../render/fixtures.js';

const site = (name: string, adopt: boolean) =>
  resource('Site', name, { domains: ['shop.t'], preset: 'static', root: `/srv/${name}`, adopt }) as Resource;
const live = (adoptableBy?: string): LiveVhosts => ({
  stamp: 'x',
  listen: { address: '0.0.0.0', port: 80, tlsPort: 443 },
  blocks: [
    {
      file: '/etc/nginx/sites-enabled/shop.conf',
      line: 2,
      names: ['shop.t'],
      listens: [{ address: '0.0.0.0', port: 80 }],
      ...(adoptableBy ? { adoptableBy } : {}),
    },
  ],
});

test('an adopt: true Site takes over the unmanaged block at its own file instead of clashing', () => {
  assert.deepEqual(foreignDomainClaims([site('shop', true)], live('shop')), []);
});

test('without adopt: true the same block still holds its domain', () => {
  const issues = foreignDomainClaims([site('shop', false)], live('shop'));
  assert.deepEqual(
    issues.map((i) => i.code),
    ['TEND_ERR_DOMAIN_CONFLICT'],
  );
});

test('adopt: true does not reach a block in another file, nor one another Site would adopt', () => {
  for (const block of [live(undefined), live('other')]) {
    const issues = foreignDomainClaims([site('shop', true)], block);
    assert.match(issues[0]?.message ?? '', /already served on 0\.0\.0\.0:80 by a vhost tend does not manage/);
  }
});
