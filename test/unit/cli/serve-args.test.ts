// `tend serve` options: defaults, durations, and a clear usage error for each bad value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseServeArgs, type ServeOptions } from '../../../src/cli/serve-args.js';
import { isTendError } from '../../../src/errors/catalogue.js';

const parse = (...args: string[]) => parseServeArgs(args, '/srv/site') as ServeOptions;

test('defaults: desired-state beside the root, loopback API, 30 s resync, 10 min probe age', () => {
  const o = parse();
  assert.equal(o.desiredDir, '/srv/site/desired-state');
  assert.equal(o.root, '/srv/site/.tend');
  assert.equal(o.listen, '127.0.0.1:7080');
  assert.equal(o.resyncMs, 30_000);
  assert.equal(o.probeMaxAgeMs, 600_000);
  assert.equal(o.keepPrograms, false);
});

test('durations and flags are read', () => {
  const o = parse('--resync', '5s', '--probe-max-age', '1h', '--keep-programs', '--profile', 'system');
  assert.equal(o.resyncMs, 5_000);
  assert.equal(o.probeMaxAgeMs, 3_600_000);
  assert.equal(o.keepPrograms, true);
  assert.equal(o.root, '/');
  assert.equal(parseServeArgs(['--help'], '/'), 'help');
});

test('the API flags: remote bind, read token and the event-stream cap', () => {
  const plain = parse();
  assert.equal(plain.allowRemoteApi, false);
  assert.equal(plain.requireReadToken, false);
  assert.equal(plain.maxEventStreams, 32);
  const o = parse('--allow-remote-api', '--require-read-token', '--max-event-streams', '5');
  assert.equal(o.allowRemoteApi, true);
  assert.equal(o.requireReadToken, true);
  assert.equal(o.maxEventStreams, 5);
});

test('each bad value is a usage error naming the option and the value', () => {
  for (const [args, pattern] of [
    [['--probe-max-age', 'soon'], /--probe-max-age .*"soon"/],
    [['--probe-max-age', '10ms'], /--probe-max-age .*at least 1s/],
    [['--resync', '0s'], /--resync .*"0s"/],
    [['--http-port', '70000'], /--http-port .*"70000"/],
    [['--profile', 'cloud'], /--profile .*"cloud"/],
    [['--log-level', 'loud'], /--log-level .*"loud"/],
    [['--max-event-streams', '0'], /--max-event-streams .*"0"/],
    [['--max-event-streams', 'many'], /--max-event-streams .*"many"/],
    [['--no-such-flag'], /no-such-flag/],
  ] as const) {
    assert.throws(
      () => parse(...args),
      (err) => isTendError(err, 'TEND_ERR_USAGE') && pattern.test(err.message),
      args.join(' '),
    );
  }
});

test('log rotation limits: defaults 100M × 5, flags read, out-of-bounds values name the flag', () => {
  const d = parseServeArgs([], '/srv');
  assert.ok(d !== 'help');
  assert.deepEqual(d.logRotation, { maxBytes: 100 * 1024 * 1024, keep: 5 });
  const set = parseServeArgs(['--log-max-size', '2G', '--log-keep', '9', '--log-max-age', '7d'], '/srv');
  assert.ok(set !== 'help');
  assert.deepEqual(set.logRotation, { maxBytes: 2 * 1024 ** 3, keep: 9, maxAgeMs: 7 * 86_400_000 });
  for (const [flag, value] of [
    ['--log-max-size', '1K'],
    ['--log-max-size', '200G'],
    ['--log-max-size', '10MB'],
    ['--log-keep', '0'],
    ['--log-keep', '101'],
    ['--log-keep', '1.5'],
    ['--log-max-age', '5m'],
    ['--log-max-age', '2y'],
  ] as const)
    assert.throws(
      () => parseServeArgs([flag, value], '/srv'),
      (e: unknown) =>
        isTendError(e) &&
        e.code === 'TEND_ERR_USAGE' &&
        e.message.includes(flag) &&
        e.message.includes(`"${value}"`),
      `${flag} ${value}`,
    );
});

test('--log-check: default unset (1m), a duration between 1s and 1h, anything else names the flag; a ceiling only with --log-max-size/--log-keep', () => {
  const d = parseServeArgs([], '/srv');
  assert.ok(d !== 'help');
  assert.equal(d.logCheckMs, undefined);
  assert.equal(d.logCeiling, undefined, 'no host ceiling for Program and Job logs without the flags');
  const ceiling = parseServeArgs(['--log-keep', '3'], '/srv');
  assert.ok(ceiling !== 'help');
  assert.deepEqual(ceiling.logCeiling, { maxBytes: 100 * 1024 * 1024, keep: 3 });
  const set = parseServeArgs(['--log-check', '2s'], '/srv');
  assert.ok(set !== 'help');
  assert.equal(set.logCheckMs, 2000);
  for (const value of ['500ms', '2h', 'often'])
    assert.throws(
      () => parseServeArgs(['--log-check', value], '/srv'),
      (e: unknown) => isTendError(e) && e.code === 'TEND_ERR_USAGE' && e.message.includes(`--log-check`),
    );
});
