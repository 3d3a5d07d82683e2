// Attack: a desired-state writer (not root) links a YAML file to a root-only file (/etc/shadow, a
// 0600 secret). tend reads as root; it must refuse the link with its path and never echo a byte of
// the target into events, the API, status or CLI output. Links that stay inside the tree still work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { BIN, collect, httpGet, staticSiteYaml } from '../helpers/e2e.js';
import { serveEnv, waitFor } from '../e2e/serve-harness.js';

const SECRET = 'hunter2-root-secret';

test('a YAML symlink leading outside the desired state is refused by path; its target is never echoed', async (t) => {
  const env = await serveEnv(t);
  const secretFile = join(env.base, 'root-secret.conf');
  writeFileSync(secretFile, `${SECRET}\n`, { mode: 0o600 });
  // A line of /etc/shadow as tend would quote it: "root:…" is its first field.
  const shadowHead = readFileSync('/etc/shadow', 'utf8').split('\n')[0]!.slice(0, 12);
  symlinkSync(secretFile, join(env.ds, 'zz-link.yaml'));
  symlinkSync('/etc/shadow', join(env.ds, 'shadow.yaml'));
  // Inside the tree: a dot-dir is not walked, so the link is the only way this Site is declared.
  const docroot = join(env.www, 'inside');
  mkdirSync(docroot);
  writeFileSync(join(docroot, 'index.html'), 'inside\n');
  mkdirSync(join(env.ds, '.shared'));
  writeFileSync(join(env.ds, '.shared/inside.yaml'), staticSiteYaml('inside', docroot));
  symlinkSync('.shared/inside.yaml', join(env.ds, 'inside.yaml'));

  const leaks = (text: string, where: string) => {
    assert.ok(!text.includes(SECRET), `${where} echoed the secret: ${text}`);
    assert.ok(!text.includes(shadowHead), `${where} echoed /etc/shadow: ${text}`);
  };

  const validate = await collect(spawn(process.execPath, [BIN, 'validate', '-d', env.ds], { stdio: 'pipe' }));
  const out = validate.stdout + validate.stderr;
  assert.equal(validate.code, 1, out);
  assert.match(
    out,
    /^zz-link\.yaml: expected a file inside the desired-state directory, got a symlink to .*; refused$/m,
  );
  assert.match(out, /^shadow\.yaml: .*symlink to "\/etc\/shadow"; refused$/m);
  leaks(out, 'tend validate');

  await env.start();
  await waitFor(
    'the in-tree link served',
    async () => (await httpGet(env.port, 'inside.e2e.test')).body === 'inside\n',
  );

  // A link added while serving: watch the live event stream for its refusal.
  const controller = new AbortController();
  t.after(() => controller.abort());
  const stream = await fetch(`http://127.0.0.1:${env.apiPort}/v1/events`, { signal: controller.signal });
  let sse = '';
  void (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of stream.body as unknown as AsyncIterable<Uint8Array>)
      sse += decoder.decode(chunk);
  })().catch(() => undefined);
  await waitFor('the stream to connect', () => sse.includes(': connected'));
  symlinkSync(secretFile, join(env.ds, 'late.yaml'));
  await waitFor('the late link refused on the stream', () => /late\.yaml/.test(sse) && /refused/.test(sse));
  leaks(sse, 'the event stream');

  const resources = await env.api('GET', '/v1/resources');
  leaks(JSON.stringify(resources.body), 'GET /v1/resources');
  const plan = await env.api('GET', '/v1/plan');
  leaks(JSON.stringify(plan.body), 'GET /v1/plan');
  const status = await env.status();
  leaks(status.stdout + status.stderr, 'tend status');
  const statusJson = await env.status('--json');
  assert.equal(statusJson.code, 0, statusJson.stderr);
  leaks(statusJson.stdout + statusJson.stderr, 'tend status --json');
  for (const file of ['events.jsonl', 'status.json'])
    leaks(readFileSync(join(env.root, 'state', file), 'utf8'), file);
  leaks(env.daemon.log(), 'the daemon log');
  assert.match(readFileSync(join(env.root, 'state/events.jsonl'), 'utf8'), /zz-link\.yaml/);
});
