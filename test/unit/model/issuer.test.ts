// Issuer and Site tls.acme: each bad input is a located error (file:line:field) from the real loader,
// and the good forms (named issuer, default issuer, presets, private CA) load clean.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadDesiredState } from '../../../src/source/index.js';
import { directoryUrlOf, issuerIsPublic, nonPublicNameProblem } from '../../../src/model/index.js';
import { tempDir } from '../../helpers/tmp.js';
import { writeTree } from '../source/helpers.js';

const issuer = (name: string, lines: string[]) =>
  ['apiVersion: tend/v1', 'kind: Issuer', 'metadata:', `  name: ${name}`, 'spec:', ...lines, ''].join('\n');
const site = (name: string, domains: string[], tls: string[]) =>
  [
    'apiVersion: tend/v1',
    'kind: Site',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    '  domains:',
    ...domains.map((d) => `    - ${d}`),
    '  preset: static',
    `  root: /srv/${name}`,
    '  tls:',
    ...tls,
    '',
  ].join('\n');

const LE = issuer('le', ['  directory: letsencrypt', '  email: ops@shop.com', '  default: true']);

async function load(t: Parameters<typeof tempDir>[0], files: Record<string, string>) {
  const dir = tempDir(t);
  writeTree(dir, files);
  return loadDesiredState(dir);
}
const located = (r: Awaited<ReturnType<typeof load>>) =>
  r.errors.map((e) => `${e.file}:${e.line} ${e.key} ${e.field} ${e.code}`).sort();

test('an acme Site with a default Issuer, or naming one, loads clean', async (t) => {
  const r = await load(t, {
    'issuers/le.yaml': LE,
    'issuers/own.yaml': issuer('own', ['  directory: https://127.0.0.1:14000/dir', '  email: me@corp.test']),
    'sites/a.yaml': site('a', ['a.shop.com'], ['    acme: {}', '    redirect: true']),
    'sites/b.yaml': site('b', ['b.shop.test'], ['    acme:', '      issuer: own']),
  });
  assert.deepEqual(located(r), []);
  assert.equal(r.ok, true);
});

test('an Issuer that does not exist is located at tls.acme.issuer', async (t) => {
  const r = await load(t, {
    'issuers/le.yaml': LE,
    'sites/a.yaml': site('a', ['a.shop.com'], ['    acme:', '      issuer: nope']),
  });
  assert.deepEqual(located(r), ['sites/a.yaml:12 Site/a spec.tls.acme.issuer TEND_ERR_REFERENCE']);
  assert.match(r.errors[0]!.message, /Issuer\/nope does not exist/);
});

test('acme: {} with no default Issuer says how to fix it', async (t) => {
  const r = await load(t, { 'sites/a.yaml': site('a', ['a.shop.com'], ['    acme: {}']) });
  assert.deepEqual(located(r), ['sites/a.yaml:11 Site/a spec.tls.acme TEND_ERR_REFERENCE']);
  assert.match(r.errors[0]!.message, /declare a kind: Issuer \(default: true\)/);
});

test('two default Issuers: the second is located at spec.default', async (t) => {
  const r = await load(t, {
    'issuers/le.yaml': LE,
    'issuers/le2.yaml': issuer('le2', [
      '  directory: letsencrypt-staging',
      '  email: ops@shop.com',
      '  default: true',
    ]),
  });
  assert.deepEqual(located(r), ['issuers/le2.yaml:8 Issuer/le2 spec.default TEND_ERR_DUPLICATE']);
});

test('acme together with certificate files is refused at tls.acme', async (t) => {
  const r = await load(t, {
    'issuers/le.yaml': LE,
    'sites/a.yaml': site(
      'a',
      ['a.shop.com'],
      ['    certificate: /etc/ssl/certs/a.pem', '    key: /etc/ssl/private/a.key', '    acme: {}'],
    ),
  });
  assert.deepEqual(located(r), ['sites/a.yaml:13 Site/a spec.tls.acme TEND_ERR_SCHEMA']);
  assert.match(r.errors[0]!.message, /exclusive/);
});

test('tls with neither files nor acme, or a certificate without its key, is refused', async (t) => {
  const r = await load(t, {
    'sites/a.yaml': site('a', ['a.shop.com'], ['    certificate: /etc/ssl/certs/a.pem']),
  });
  assert.deepEqual(located(r), ['sites/a.yaml:11 Site/a spec.tls.key TEND_ERR_SCHEMA']);
  assert.match(r.errors[0]!.message, /both certificate and key, or acme/);
});

test('a wildcard domain with acme is located at the domain', async (t) => {
  const r = await load(t, {
    'issuers/le.yaml': LE,
    'sites/a.yaml': site('a', ['a.shop.com', '"*.shop.com"'], ['    acme: {}']),
  });
  assert.deepEqual(located(r), ['sites/a.yaml:8 Site/a spec.domains[1] TEND_ERR_SCHEMA']);
  assert.match(r.errors[0]!.message, /HTTP-01, which cannot issue wildcards/);
});

test('a non-public name with a public Issuer is located at the domain; a private Issuer accepts it', async (t) => {
  const r = await load(t, {
    'issuers/le.yaml': LE,
    'sites/a.yaml': site('a', ['a.shop.com', 'intranet', 'b.shop.test'], ['    acme: {}']),
  });
  assert.deepEqual(located(r), [
    'sites/a.yaml:8 Site/a spec.domains[1] TEND_ERR_SCHEMA',
    'sites/a.yaml:9 Site/a spec.domains[2] TEND_ERR_SCHEMA',
  ]);
  assert.match(r.errors.map((e) => e.message).join('\n'), /\.test, which is not a public top-level domain/);
  const ok = await load(t, {
    'issuers/own.yaml': issuer('own', [
      '  directory: https://acme.corp.com/dir',
      '  email: a@b.co',
      '  public: false',
      '  default: true',
    ]),
    'sites/a.yaml': site('a', ['intranet', 'b.shop.test'], ['    acme: {}']),
  });
  assert.deepEqual(located(ok), []);
});

test('a bad email and a non-https directory are located at their fields', async (t) => {
  const r = await load(t, {
    'issuers/x.yaml': issuer('x', ['  directory: http://acme.example.com/dir', '  email: not-an-address']),
  });
  assert.deepEqual(located(r), [
    'issuers/x.yaml:6 Issuer/x spec.directory TEND_ERR_SCHEMA',
    'issuers/x.yaml:7 Issuer/x spec.email TEND_ERR_SCHEMA',
  ]);
  assert.match(r.errors.map((e) => e.message).join('\n'), /expected an email address/);
});

test('an EAB key is a file, never a secret in the desired state', async (t) => {
  const r = await load(t, {
    'issuers/x.yaml': issuer('x', [
      '  directory: letsencrypt',
      '  email: a@shop.com',
      '  externalAccountBinding:',
      '    keyId: kid-1',
      '    hmacKey: c2VjcmV0',
    ]),
  });
  assert.deepEqual(located(r), [
    'issuers/x.yaml:10 Issuer/x spec.externalAccountBinding.hmacKey TEND_ERR_SCHEMA',
    'issuers/x.yaml:9 Issuer/x spec.externalAccountBinding.hmacKeyFile TEND_ERR_SCHEMA',
  ]);
});

test('presets resolve to directory URLs; public-ness and public names', () => {
  assert.equal(
    directoryUrlOf({ directory: 'letsencrypt' }),
    'https://acme-v02.api.letsencrypt.org/directory',
  );
  assert.equal(directoryUrlOf({ directory: 'https://x.y/dir' }), 'https://x.y/dir');
  assert.equal(issuerIsPublic({ directory: 'letsencrypt-staging' }), true);
  assert.equal(issuerIsPublic({ directory: 'https://127.0.0.1:14000/dir' }), false);
  assert.equal(issuerIsPublic({ directory: 'https://acme.zerossl.com/v2/DV90' }), true);
  assert.equal(issuerIsPublic({ directory: 'letsencrypt', public: false }), false);
  assert.equal(nonPublicNameProblem('shop.example.co.uk'), undefined);
  assert.equal(nonPublicNameProblem('xn--bcher-kva.xn--p1ai'), undefined);
  assert.match(nonPublicNameProblem('10.0.0.1') ?? '', /IP address/);
  assert.match(nonPublicNameProblem('shop.localhost') ?? '', /\.localhost/);
});

test("an Issuer's files are read by root: outside the TLS dirs and web bases they are refused at the field", async (t) => {
  const r = await load(t, {
    'issuers/x.yaml': issuer('x', [
      '  directory: https://127.0.0.1:14000/dir',
      '  email: a@corp.test',
      '  externalAccountBinding:',
      '    keyId: kid-1',
      '    hmacKeyFile: /etc/shadow',
      '  caRoots: [/etc/ssl/certs/ca.pem, /root/.ssh/id_rsa]',
    ]),
  });
  assert.deepEqual(located(r), [
    'issuers/x.yaml:10 Issuer/x spec.externalAccountBinding.hmacKeyFile TEND_ERR_OUTSIDE_WEB_BASE',
    'issuers/x.yaml:11 Issuer/x spec.caRoots[1] TEND_ERR_OUTSIDE_WEB_BASE',
  ]);
  assert.match(r.errors.map((e) => e.message).join('\n'), /\/etc\/shadow is outside \/etc\/ssl/);
  const ok = await load(t, {
    'issuers/y.yaml': issuer('y', [
      '  directory: https://127.0.0.1:14000/dir',
      '  email: a@corp.test',
      '  externalAccountBinding:',
      '    keyId: kid-1',
      '    hmacKeyFile: /etc/ssl/private/eab.key',
      '  caRoots: [/etc/ssl/certs/ca.pem]',
    ]),
  });
  assert.deepEqual(located(ok), []);
});
