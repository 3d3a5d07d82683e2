// Between tend's Sites, the one whose live server block serves a domain keeps it: the clash lands
// on the Site whose edit reaches for it, whichever file loads first (decision 0032).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { uniqueDomains, type LiveVhosts, type Resource } from '../../../src/model/index.js';
import { resource } from '../render/fixtures.js';

const site = (name: string, domains: string[]) =>
  resource('Site', name, { domains, preset: 'static', root: `/srv/${name}` }) as Resource;
const live = (holder: string, names: string[]): LiveVhosts => ({
  stamp: 'x',
  listen: { address: '127.0.0.1', port: 80, tlsPort: 443 },
  blocks: [
    {
      file: `/n/${holder}.conf`,
      line: 2,
      names,
      listens: [{ address: '127.0.0.1', port: 80 }],
      site: holder,
    },
  ],
});

test('the holder keeps its domain in both load orders; without live facts, load order decides', () => {
  for (const order of [
    ['docs', 'shop'],
    ['shop', 'docs'],
  ]) {
    const all = order.map((n) =>
      n === 'docs' ? site('docs', ['docs.t', 'www.shop.t']) : site('shop', ['shop.t', 'www.shop.t']),
    );
    const issues = uniqueDomains(all, { liveVhosts: live('shop', ['shop.t', 'www.shop.t']) });
    assert.deepEqual(
      issues.map((i) => [i.key, i.message]),
      [['Site/docs', 'domain www.shop.t is already served by Site/shop']],
      order.join(','),
    );
  }
  const first = uniqueDomains([site('docs', ['www.shop.t']), site('shop', ['www.shop.t'])]);
  assert.deepEqual(
    first.map((i) => i.key),
    ['Site/shop'],
  );
});

test('a holder listing its own domain twice is still told so', () => {
  const issues = uniqueDomains([site('shop', ['shop.t', 'shop.t'])], {
    liveVhosts: live('shop', ['shop.t']),
  });
  assert.deepEqual(
    issues.map((i) => i.message),
    ['domain shop.t is listed twice'],
  );
});
