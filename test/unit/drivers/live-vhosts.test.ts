// What nginx loads, kept between passes: a tend-managed vhost rewritten in place is re-read alone
// (no `nginx -T`), and it is never served stale; anything tend cannot follow by reading the file
// (nginx.conf, a foreign file, an include, a file added or removed) dumps the config again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { liveVhosts } from '../../../src/drivers/nginx/live-vhosts.js';
import type { FileStat, Host } from '../../../src/host/host.js';
import { embeddedLayout } from '../../../src/layout/layout.js';

let roots = 0;

/** Files with a clock for mtimes; `nginx -T` prints nginx.conf, then sites/*.conf in name order. */
function nginxHost() {
  const root = `/t${++roots}`;
  const layout = embeddedLayout(root);
  const sites = layout.nginx.includeDir;
  const files = new Map<string, { text: string; mtimeMs: number }>();
  const dirs = new Map<string, number>([
    [sites, 1],
    [layout.nginx.prefix, 1],
  ]);
  let clock = 1;
  const t = { dumps: 0 };
  const dirOf = (p: string) => p.slice(0, p.lastIndexOf('/'));
  const write = (path: string, text: string, opts: { rename?: boolean } = {}) => {
    const isNew = !files.has(path);
    files.set(path, { text, mtimeMs: ++clock });
    // An atomic write renames over the target: its directory's mtime moves too.
    if (isNew || opts.rename !== false) dirs.set(dirOf(path), ++clock);
  };
  const remove = (path: string) => {
    files.delete(path);
    dirs.set(dirOf(path), ++clock);
  };
  const stat = (mtimeMs: number, size: number, dir: boolean): FileStat => ({
    isFile: !dir,
    isDirectory: dir,
    isSymlink: false,
    mode: 0o644,
    uid: 0,
    gid: 0,
    mtimeMs,
    size,
  });
  const host = {
    fs: {
      async stat(p: string) {
        const f = files.get(p);
        if (f) return stat(f.mtimeMs, f.text.length, false);
        const d = dirs.get(p);
        return d === undefined ? undefined : stat(d, 4096, true);
      },
      async readFile(p: string) {
        return files.get(p)?.text;
      },
      async readdir(dir: string) {
        return [...files.keys()].filter((p) => dirOf(p) === dir).map((p) => p.slice(dir.length + 1));
      },
    },
    async exec(_bin: string, args: readonly string[]) {
      assert.equal(args[0], '-T');
      t.dumps++;
      const main = files.get(layout.nginx.mainConfig)!;
      const listed = [...files.keys()].filter((p) => dirOf(p) === sites && p.endsWith('.conf')).sort();
      let out = `# configuration file ${layout.nginx.mainConfig}:\n${main.text}\n`;
      for (const p of listed) out += `# configuration file ${p}:\n${files.get(p)!.text}\n`;
      return { exitCode: 0, stdout: out, stderr: '' };
    },
  } as unknown as Host;
  write(layout.nginx.mainConfig, `http { include ${sites}/*.conf; }`);
  return { host, layout, t, write, remove, site: (name: string) => `${sites}/${name}.conf` };
}

const vhost = (site: string, names: string, extra = '') =>
  `# managed by tend: Site/${site} (do not edit: tend reverts manual changes)\nserver {\n    listen 127.0.0.1:8080;\n    server_name ${names};\n${extra}}\n`;
const namesOf = (v: Awaited<ReturnType<typeof liveVhosts>>) =>
  Object.fromEntries((v?.blocks ?? []).map((b) => [b.file.replace(/.*\//, ''), b.names.join(' ')]));

test('a tend-managed vhost rewritten in place is re-read alone, and its new names are seen', async () => {
  const h = nginxHost();
  h.write(h.site('a'), vhost('a', 'a.test'));
  h.write(h.site('b'), vhost('b', 'b.test'));
  const first = await liveVhosts(h.host, h.layout);
  assert.equal(h.t.dumps, 1);
  assert.deepEqual(namesOf(first), { 'a.conf': 'a.test', 'b.conf': 'b.test' });
  assert.equal(await liveVhosts(h.host, h.layout), first, 'nothing changed: the same value');
  assert.equal(h.t.dumps, 1);

  h.write(h.site('a'), vhost('a', 'a.test www.a.test'));
  const second = await liveVhosts(h.host, h.layout);
  assert.equal(h.t.dumps, 1, 'no nginx -T for a managed vhost rewritten in place');
  assert.deepEqual(namesOf(second), { 'a.conf': 'a.test www.a.test', 'b.conf': 'b.test' });
  assert.notEqual(second?.stamp, first?.stamp, 'new names: a new stamp, so the load is not reused');
  const site = second?.blocks.find((b) => b.file === h.site('a'))?.site;
  assert.equal(site, 'a');
});

test('a rewrite that keeps names, sockets and lines keeps the stamp', async () => {
  const h = nginxHost();
  h.write(h.site('a'), vhost('a', 'a.test', '    add_header X-Run r1;\n'));
  const first = await liveVhosts(h.host, h.layout);
  h.write(h.site('a'), vhost('a', 'a.test', '    add_header X-Run r2;\n'));
  const second = await liveVhosts(h.host, h.layout);
  assert.equal(h.t.dumps, 1);
  assert.equal(second?.stamp, first?.stamp);
});

test('what tend cannot follow by reading one file dumps the config again', async () => {
  const h = nginxHost();
  h.write(h.site('a'), vhost('a', 'a.test'));
  await liveVhosts(h.host, h.layout);
  assert.equal(h.t.dumps, 1);

  h.write(h.site('c'), vhost('c', 'c.test'));
  assert.deepEqual(namesOf(await liveVhosts(h.host, h.layout)), { 'a.conf': 'a.test', 'c.conf': 'c.test' });
  assert.equal(h.t.dumps, 2, 'a new file in the include dir');

  h.remove(h.site('c'));
  assert.deepEqual(namesOf(await liveVhosts(h.host, h.layout)), { 'a.conf': 'a.test' });
  assert.equal(h.t.dumps, 3, 'a removed file');

  h.write(h.site('a'), vhost('a', 'a.test', `    include ${h.layout.root}/extra/*.conf;\n`));
  await liveVhosts(h.host, h.layout);
  assert.equal(h.t.dumps, 4, 'a vhost that now includes other files');

  h.write(h.site('a'), vhost('a', 'a.test'));
  await liveVhosts(h.host, h.layout);
  assert.equal(h.t.dumps, 5, 'it included files when last dumped');
  h.write(h.site('a'), vhost('a', 'a2.test'));
  assert.deepEqual(namesOf(await liveVhosts(h.host, h.layout)), { 'a.conf': 'a2.test' });
  assert.equal(h.t.dumps, 5, 'followed again once the dump showed no include');

  h.write(h.site('f'), 'server { listen 8080; server_name foreign.test; }\n');
  await liveVhosts(h.host, h.layout);
  assert.equal(h.t.dumps, 6);
  h.write(h.site('f'), 'server { listen 8080; server_name other.test; }\n', { rename: false });
  assert.equal(namesOf(await liveVhosts(h.host, h.layout))['f.conf'], 'other.test');
  assert.equal(h.t.dumps, 7, 'a foreign file edited in place');

  h.write(h.site('a'), '# hand-written now\nserver { server_name a.test; }\n', { rename: false });
  const foreignNow = await liveVhosts(h.host, h.layout);
  assert.equal(h.t.dumps, 8, 'a managed file that lost its header');
  assert.equal(foreignNow?.blocks.find((b) => b.file === h.site('a'))?.site, undefined);

  h.write(h.layout.nginx.mainConfig, `http { include ${h.layout.nginx.includeDir}/*.conf; }\n`);
  await liveVhosts(h.host, h.layout);
  assert.equal(h.t.dumps, 9, 'nginx.conf changed');
});
