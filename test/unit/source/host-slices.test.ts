// Host slices (decision 0037): hosts/<name>/, metadata.hosts, hostSelector and --host-default decide
// which resources one host of a fleet loads; cross rules run per slice; bad selectors are located.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadDesiredState, type HostSlice } from '../../../src/source/index.js';
import { parseHostArgs } from '../../../src/cli/host-args.js';
import { validateCommand } from '../../../src/cli/validate.js';
import type { CliIO } from '../../../src/cli/io.js';
import { tempDir } from '../../helpers/tmp.js';
import { describeErrors, docYaml, writeTree } from './helpers.js';

const site = (name: string, domain: string, meta: Record<string, unknown> = {}) =>
  docYaml({
    apiVersion: 'tend/v1',
    kind: 'Site',
    metadata: { name, ...meta },
    spec: { domains: [domain], preset: 'static', root: `/srv/${name}` },
  });

const slice = (
  name: string,
  labels: Record<string, string> = {},
  dflt: 'all' | 'none' = 'all',
): HostSlice => ({
  name,
  labels,
  default: dflt,
});

function fleetTree(dir: string) {
  writeTree(dir, {
    'shared.yaml': site('everywhere', 'all.example.com'),
    'named.yaml': site('named', 'named.example.com', { hosts: ['web1', 'web3'] }),
    'php.yaml': site('php', 'php.example.com', { hostSelector: { role: 'php', region: 'eu' } }),
    // The same name and domain on two hosts: legal, since each host loads one of them.
    'hosts/web1/own.yaml': site('own', 'own.example.com'),
    'hosts/web2/own.yaml': site('own', 'own.example.com'),
  });
}

const names = async (dir: string, s?: HostSlice) => {
  const r = await loadDesiredState(dir, s ? { hostSlice: s } : {});
  assert.equal(r.ok, true, describeErrors(r));
  return { names: r.resources.map((x) => `${x.file}:${x.key}`).sort(), result: r };
};

test('host slices: each host loads its own files, the hosts it is named in and the selectors it matches', async (t) => {
  const dir = tempDir(t);
  fleetTree(dir);
  assert.deepEqual((await names(dir, slice('web1'))).names, [
    'hosts/web1/own.yaml:Site/own',
    'named.yaml:Site/named',
    'shared.yaml:Site/everywhere',
  ]);
  assert.deepEqual((await names(dir, slice('web2', { role: 'php', region: 'eu', extra: 'x' }))).names, [
    'hosts/web2/own.yaml:Site/own',
    'php.yaml:Site/php',
    'shared.yaml:Site/everywhere',
  ]);
  // One label of the selector missing: no match.
  assert.deepEqual((await names(dir, slice('web3', { role: 'php' }))).names, [
    'named.yaml:Site/named',
    'shared.yaml:Site/everywhere',
  ]);
  // --host-default none: a resource naming no host applies nowhere.
  assert.deepEqual((await names(dir, slice('web3', {}, 'none'))).names, ['named.yaml:Site/named']);
  const { result } = await names(dir, slice('web1'));
  assert.deepEqual(result.hostNames, ['web1', 'web2', 'web3']);
  assert.ok(!result.files.includes('hosts/web2/own.yaml'), "another host's file is not even read");
});

test("host slices: an unsliced load still sees both hosts' copies and refuses the duplicate", async (t) => {
  const dir = tempDir(t);
  fleetTree(dir);
  const r = await loadDesiredState(dir);
  assert.equal(r.ok, false);
  assert.match(describeErrors(r), /hosts\/web2\/own\.yaml/);
});

test('host slices: a broken file for another host does not block this one', async (t) => {
  const dir = tempDir(t);
  writeTree(dir, { 'a.yaml': site('a', 'a.example.com'), 'hosts/web2/bad.yaml': 'kind: [\n' });
  const mine = await loadDesiredState(dir, { hostSlice: slice('web1') });
  assert.equal(mine.ok, true, describeErrors(mine));
  const theirs = await loadDesiredState(dir, { hostSlice: slice('web2') });
  assert.equal(theirs.ok, false);
  assert.deepEqual(theirs.unknownFiles, ['hosts/web2/bad.yaml']);
});

test('host slices: bad hosts and selectors are errors located at the field', async (t) => {
  const dir = tempDir(t);
  writeTree(dir, {
    'a.yaml': site('a', 'a.example.com', { hosts: ['Web_1'] }),
    'b.yaml': site('b', 'b.example.com', { hostSelector: {} }),
    'c.yaml': site('c', 'c.example.com', { hostSelector: { role: 'php;rm -rf' } }),
    'd.yaml': site('d', 'd.example.com', { hosts: ['web1', 'web1'] }),
  });
  const r = await loadDesiredState(dir, { hostSlice: slice('web1') });
  const text = describeErrors(r);
  assert.match(text, /^a\.yaml:6:7 Site\/a metadata\.hosts\[0\] expected a host name/m);
  assert.match(text, /^b\.yaml:5:17 Site\/b metadata\.hostSelector expected at least one label/m);
  assert.match(text, /^c\.yaml:6:11 Site\/c metadata\.hostSelector\.role expected a label value/m);
  assert.match(text, /^d\.yaml:6:5 Site\/d metadata\.hosts expected each host name once/m);
  assert.equal(r.resources.length, 0);
});

test('host slices: --host-label and --host-default are parsed strictly', () => {
  assert.deepEqual(parseHostArgs({ 'host-name': 'web2', 'host-label': ['role=php', 'region=eu'] }), {
    name: 'web2',
    labels: { role: 'php', region: 'eu' },
    default: 'all',
  });
  assert.throws(() => parseHostArgs({ 'host-label': ['role'] }), /--host-label KEY=VALUE/);
  assert.throws(() => parseHostArgs({ 'host-label': ['role=a b'] }), /--host-label KEY=VALUE/);
  assert.throws(() => parseHostArgs({ 'host-name': '../etc' }), /--host-name/);
  assert.throws(() => parseHostArgs({ 'host-default': 'some' }), /--host-default all or none/);
  assert.match(parseHostArgs({}).name, /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/);
});

function io(cwd: string) {
  const out: string[] = [];
  const cli: CliIO = { stdout: (x) => out.push(x), stderr: (x) => out.push(x), cwd, env: {}, isTTY: false };
  return { cli, out: () => out.join('') };
}

test('validate: every host slice is checked, cross rules per slice, and says which host fails', async (t) => {
  const dir = tempDir(t);
  fleetTree(dir);
  const ok = io(dir);
  assert.equal(await validateCommand(['-d', dir, '--no-host-checks'], ok.cli), 0, ok.out());
  assert.match(ok.out(), /3 host slices: web1, web2, web3/);
  // web2's slice gets a second Site claiming the shared domain: only web2 fails, and says so.
  writeTree(dir, { 'hosts/web2/clash.yaml': site('clash', 'all.example.com') });
  const bad = io(dir);
  assert.equal(await validateCommand(['-d', dir, '--no-host-checks'], bad.cli), 1);
  assert.match(bad.out(), /all\.example\.com.*\(host web2\)/);
  assert.doesNotMatch(bad.out(), /host web1|host web3/);
});

test("host slices: a hosts/ directory no host can be named after is an error, not silently nobody's", async (t) => {
  const dir = tempDir(t);
  writeTree(dir, { 'a.yaml': site('a', 'a.example.com'), 'hosts/Web_1/b.yaml': site('b', 'b.example.com') });
  for (const s of [slice('web1'), undefined]) {
    const r = await loadDesiredState(dir, s ? { hostSlice: s } : {});
    assert.equal(r.ok, false);
    assert.match(
      describeErrors(r),
      /^hosts\/Web_1:0:0 .*expected a host name as the directory under hosts\/.*"Web_1"/m,
    );
  }
});
