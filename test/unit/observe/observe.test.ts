import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectPhpVersions, mapLimit, observe, OBSERVE_PARALLELISM } from '../../../src/observe/observe.js';
import type { Host, HostFs } from '../../../src/host/host.js';
import { embeddedLayout, systemLayout } from '../../../src/layout/layout.js';
import { managedHeader } from '../../../src/render/types.js';

/** An in-memory host: files, symlinks and directories; counts concurrent reads. */
function fakeHost(files: Record<string, string>, links: Record<string, string> = {}, sbin: string[] = []) {
  let inFlight = 0;
  const stats = { maxInFlight: 0, reads: 0 };
  const dirOf = (p: string) => p.slice(0, p.lastIndexOf('/'));
  const fs: Partial<HostFs> = {
    async readFile(path) {
      inFlight++;
      stats.reads++;
      stats.maxInFlight = Math.max(stats.maxInFlight, inFlight);
      await new Promise((r) => setImmediate(r));
      inFlight--;
      const target = links[path];
      return target !== undefined ? files[target] : files[path];
    },
    async readlink(path) {
      return links[path];
    },
    async readdir(dir) {
      if (dir === '/usr/sbin') return sbin;
      const names = [...Object.keys(files), ...Object.keys(links)]
        .filter((p) => dirOf(p) === dir)
        .map((p) => p.slice(dir.length + 1));
      return [...new Set(names)].sort();
    },
    async stat(path) {
      return sbin.includes(path.replace('/usr/sbin/', ''))
        ? {
            isFile: true,
            isDirectory: false,
            isSymlink: false,
            mode: 0o755,
            uid: 0,
            gid: 0,
            mtimeMs: 0,
            size: 1,
          }
        : undefined;
    },
  };
  const host = { fs: fs as HostFs, which: async () => undefined } as unknown as Host;
  return { host, stats };
}

test('files are read with their managed owner; missing paths are absent; foreign files have no owner', async () => {
  const L = embeddedLayout('/t');
  const shop = L.nginx.siteFile('shop');
  const { host } = fakeHost({
    [shop]: `${managedHeader('#', 'Site/shop')}server {}\n`,
    [L.nginx.siteFile('hand')]: 'server { listen 1; }\n',
  });
  const o = await observe(host, L, {
    files: [shop, L.nginx.siteFile('hand'), L.nginx.siteFile('gone')],
    links: [],
  });
  assert.equal(o.files.get(shop)?.managedBy, 'Site/shop');
  assert.equal(o.files.get(L.nginx.siteFile('hand'))?.managedBy, undefined);
  assert.equal(o.files.get(L.nginx.siteFile('hand'))?.content, 'server { listen 1; }\n');
  assert.equal(o.files.has(L.nginx.siteFile('gone')), false);
});

test('links are read; a plain file at a link path is reported as a file', async () => {
  const L = systemLayout('/t');
  const link = L.nginx.siteLink('a')!;
  const squat = L.nginx.siteLink('b')!;
  const { host } = fakeHost(
    { [L.nginx.siteFile('a')]: 'x', [squat]: 'mine\n' },
    { [link]: L.nginx.siteFile('a') },
  );
  const o = await observe(host, L, { files: [], links: [link, squat, L.nginx.siteLink('c')!] });
  assert.deepEqual(o.links.get(link), { path: link, target: L.nginx.siteFile('a') });
  assert.equal(o.links.has(squat), false);
  assert.equal(o.files.get(squat)?.content, 'mine\n');
  assert.equal(o.links.size, 1);
});

test('PHP-FPM versions come from the sbin binaries, sorted numerically; nginx beside them', async () => {
  const { host } = fakeHost({}, {}, [
    'nginx',
    'php-fpm8.2',
    'php-fpm7.4',
    'php-fpm8.10',
    'php-fpm',
    'php-fpm8.2.bak',
  ]);
  const L = embeddedLayout('/t');
  assert.deepEqual(await detectPhpVersions(host, L), ['7.4', '8.2', '8.10']);
  const o = await observe(host, L, { files: [], links: [] });
  assert.equal(o.nginxBinary, '/usr/sbin/nginx');
  assert.deepEqual(o.phpVersions, ['7.4', '8.2', '8.10']);
});

test('foreign files in tend directories are reported as unmanaged', async () => {
  const L = embeddedLayout('/t');
  const { host } = fakeHost(
    {
      [L.nginx.siteFile('mine')]: `${managedHeader('#', 'Site/mine')}x`,
      [L.nginx.siteFile('other-tend')]: `${managedHeader('#', 'Site/other-tend')}x`,
      [L.nginx.siteFile('stray')]: 'server {}',
      [L.php.poolFile('8.2', 'legacy')]: '[legacy]\n',
    },
    {},
    ['php-fpm8.2'],
  );
  const o = await observe(host, L, { files: [L.nginx.siteFile('mine')], links: [] });
  assert.deepEqual(o.unmanaged, [L.php.poolFile('8.2', 'legacy'), L.nginx.siteFile('stray')].sort());
});

test('2,000 files are read with bounded parallelism', async () => {
  const L = embeddedLayout('/t');
  const files: Record<string, string> = {};
  for (let i = 0; i < 2000; i++) files[L.nginx.siteFile(`s${i}`)] = `${managedHeader('#', `Site/s${i}`)}x`;
  const { host, stats } = fakeHost(files);
  const o = await observe(host, L, { files: Object.keys(files), links: [] });
  assert.equal(o.files.size, 2000);
  assert.ok(stats.maxInFlight <= OBSERVE_PARALLELISM, `max in flight ${stats.maxInFlight}`);
  assert.ok(stats.maxInFlight > 1, 'reads do run in parallel');
  assert.equal(stats.reads, 2000, 'known files are not read twice by the unmanaged scan');
});

test('mapLimit keeps order', async () => {
  assert.deepEqual(await mapLimit([3, 1, 2], 2, async (n) => n * 2), [6, 2, 4]);
  assert.deepEqual(await mapLimit([], 2, async (n: number) => n), []);
});
