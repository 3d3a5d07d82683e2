// `tend fleet status`: the hosts file is strict (a bad line is named by number, a token never echoed)
// and the table keeps one host per line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatFleetTable, parseHostsFile } from '../../../src/cli/fleet.js';

test('fleet hosts file: URL and token per line, comments skipped, a bad line refused by number', () => {
  const hosts = parseHostsFile('# web\nhttp://a:7080 t1\n\n  https://b:7080   t2  # eu\n', 'hosts.txt');
  assert.deepEqual(
    hosts.map((h) => [h.url, h.token]),
    [
      ['http://a:7080', 't1'],
      ['https://b:7080', 't2'],
    ],
  );
  assert.throws(
    () => parseHostsFile('http://a:7080\n', 'hosts.txt'),
    /^Error: hosts\.txt:1: expected "URL TOKEN"/,
  );
  assert.throws(() => parseHostsFile('\nftp://a s3cret\n', 'hosts.txt'), /hosts\.txt:2:/);
  assert.throws(
    () => parseHostsFile('http://a t extra\n', 'h'),
    (err: Error) => !err.message.includes('extra'),
  );
});

test('fleet table: columns line up, phases sorted, a long error stays on its row', () => {
  const text = formatFleetTable([
    {
      url: 'u1',
      host: 'web1',
      revision: 'a'.repeat(40),
      phases: { Ready: 3, Failed: 1 },
      lastError: 'x',
      reachable: true,
    },
    {
      url: 'http://b',
      host: '?',
      revision: '?',
      phases: {},
      lastError: 'unreachable: ECONNREFUSED',
      reachable: false,
    },
  ]);
  assert.equal(
    text,
    [
      'HOST      REVISION      RESOURCES         LAST ERROR',
      `web1      ${'a'.repeat(12)}  Failed=1 Ready=3  x`,
      'http://b  ?             -                 unreachable: ECONNREFUSED',
      '',
    ].join('\n'),
  );
});
