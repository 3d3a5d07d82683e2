// `tend serve --notify-webhook URL` (twice) against receivers on loopback: batches per pass with
// phase changes and a crash loop, a receiver that fails first gets the batch again (retried), and a
// receiver that never answers delays no pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { staticSiteYaml } from '../helpers/e2e.js';
import { programYaml, serveEnv, waitFor } from './serve-harness.js';

interface Note {
  type: string;
  key?: string;
  to?: string;
}
interface Batch {
  source: string;
  notifications: Note[];
}

async function receiver(
  t: { after: (fn: () => unknown) => void },
  handle: (req: IncomingMessage, res: ServerResponse, body: string) => void,
): Promise<string> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => handle(req, res, body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
}

test('--notify-webhook: batched per pass, retried after a failure, never blocking a pass', async (t) => {
  const batches: Batch[] = [];
  let requests = 0;
  const good = await receiver(t, (_req, res, body) => {
    requests++;
    // The first delivery fails: the same notifications must come again.
    if (requests === 1) {
      res.statusCode = 500;
      res.end();
      return;
    }
    batches.push(JSON.parse(body) as Batch);
    res.end('ok');
  });
  let hung = 0;
  const stuck = await receiver(t, () => {
    hung++; // never answers
  });
  const env = await serveEnv(t);
  writeFileSync(join(env.www, 'index.html'), 'hi\n');
  const crasher = join(env.base, 'crash.mjs');
  writeFileSync(crasher, 'process.exit(3);\n');
  env.write('s.yaml', staticSiteYaml('s', env.www));
  env.write(
    'c.yaml',
    programYaml('c', crasher).replace('  port: auto\n', '').replace('startSeconds: 0', 'startSeconds: 1'),
  );
  await env.start(['--notify-webhook', good, '--notify-webhook', stuck]);

  const all = () => batches.flatMap((b) => b.notifications);
  await waitFor('Site/s Ready notified', () =>
    all().some((n) => n.type === 'PhaseChanged' && n.key === 'Site/s' && n.to === 'Ready'),
  );
  assert.ok(requests >= 2, 'the failed first delivery was retried');
  assert.ok(batches.every((b) => b.source === 'tend'));
  await waitFor(
    'the crash loop notified',
    () => all().some((n) => n.type === 'CrashLoop' && n.key === 'Program/c'),
    120_000,
  );
  assert.ok(hung >= 1, 'the stuck receiver was called');

  // Passes go on while the stuck receiver holds its request: an edit is applied and notified.
  env.write('t.yaml', staticSiteYaml('t', env.www));
  await waitFor('Site/t applied and notified', () =>
    all().some((n) => n.type === 'PhaseChanged' && n.key === 'Site/t' && n.to === 'Ready'),
  );
  // One batch per pass: never one POST per notification.
  const notes = all().length;
  assert.ok(batches.length < notes, `${batches.length} batches for ${notes} notifications`);
});

test('--notify-webhook refuses what is not an http(s) URL', async (t) => {
  const env = await serveEnv(t);
  const r = await env.tend('serve', '--notify-webhook', 'file:///etc/passwd');
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /expected --notify-webhook as an http:\/\/ or https:\/\/ URL, got "file:\/\/\/etc\/passwd"/,
  );
});
