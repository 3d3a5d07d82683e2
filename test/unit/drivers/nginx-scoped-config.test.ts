// The scoped pre-check config (decision 0023): tend's main config with only the changed vhosts
// included, and no scoped config at all when that cannot be built safely.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderNginxMainConfig } from '../../../src/drivers/nginx/main-config.js';
import { scopedNginxConfig } from '../../../src/drivers/nginx/scoped-config.js';
import { embeddedLayout } from '../../../src/layout/layout.js';

const layout = embeddedLayout('/srv/tend', { httpPort: 8080 });
const sites = layout.nginx.includeDir;
const main = renderNginxMainConfig(layout);

test('the http context stays; the include of every vhost becomes includes of the changed ones', () => {
  const scoped = scopedNginxConfig(main, sites, [`${sites}/b.conf`, `${sites}/a.conf`, `${sites}/a.conf`]);
  assert.ok(scoped);
  assert.doesNotMatch(scoped, /\*\.conf/);
  assert.match(scoped, new RegExp(`    include ${sites}/a.conf;\n    include ${sites}/b.conf;\n`));
  // Everything else is the main config line for line: maps, temp paths, the default server.
  const strip = (s: string) => s.split('\n').filter((l) => !l.includes(`include ${sites}/`));
  assert.deepEqual(strip(scoped), strip(main));
});

test('no changed vhost left (deletes only): the main config alone', () => {
  const scoped = scopedNginxConfig(main, sites, []);
  assert.ok(scoped);
  assert.doesNotMatch(scoped, new RegExp(`include ${sites}/`));
});

test('a path outside the include dir or unsafe to write into a config: no scoped check', () => {
  assert.equal(scopedNginxConfig(main, sites, ['/etc/passwd']), undefined);
  assert.equal(scopedNginxConfig(main, sites, [`${sites}/x.conf; include /etc/x`]), undefined);
  assert.equal(scopedNginxConfig(main, sites, [`${sites}/../x.conf`]), undefined);
  assert.equal(scopedNginxConfig(main, sites, [`${sites}/cert.pem`]), undefined);
});

test("a main config without tend's include line (not rendered by tend): no scoped check", () => {
  assert.equal(
    scopedNginxConfig('http {\n    include /etc/nginx/sites-enabled/*;\n}\n', sites, []),
    undefined,
  );
});
