// The cause a failed probe carries (decision 0032): nginx's error lines for the probe's Host only,
// without timestamps, client and request fields, newest last, a few at most.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { causeLines, conciseLogLine } from '../../../src/observe/probe-cause.js';

const LINE =
  '2026/12/06 06:10:01 [crit] 4242#4242: *17 connect() to unix:/run/php/app.sock failed (13: Permission denied) while connecting to upstream, client: 127.0.0.1, server: app.test, request: "GET / HTTP/1.1", upstream: "fastcgi://unix:/run/php/app.sock:", host: "app.test"';

test('an error line loses its prefix and the request fields, keeps the cause and the upstream', () => {
  assert.equal(
    conciseLogLine(LINE),
    'connect() to unix:/run/php/app.sock failed (13: Permission denied) while connecting to upstream, upstream: "fastcgi://unix:/run/php/app.sock:"',
  );
});

test("only error lines about the probe's Host count, deduplicated, at most three", () => {
  const other = LINE.replace('host: "app.test"', 'host: "other.test"');
  const notice = LINE.replace('[crit]', '[notice]');
  const text = [LINE, other, notice, LINE, ''].join('\n');
  assert.deepEqual(causeLines(text, 'app.test'), [conciseLogLine(LINE)]);
  assert.deepEqual(causeLines(text, 'nobody.test'), []);
  const many = [1, 2, 3, 4, 5].map((i) => LINE.replace('*17', `*${i}`).replace('13:', `${i}:`)).join('\n');
  assert.equal(causeLines(many, 'app.test').length, 3);
  assert.match(causeLines(many, 'app.test')[2]!, /\(5: Permission denied\)/);
});
