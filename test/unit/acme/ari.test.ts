// ARI's pure rules: the answer is read strictly, the renewal moment is a random point in the window
// kept while the window stays, Retry-After times the next question (clamped), and status says which
// rule applies and why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ARI_DEFAULT_POLL_MS,
  ARI_MAX_POLL_MS,
  ARI_MIN_POLL_MS,
  chooseRenewalTime,
  nextAriRecord,
  parseRenewalInfo,
  pollDelayMs,
  renewalOf,
} from '../../../src/acme/ari.js';

const T = Date.parse('2026-03-01T00:00:00Z');
const H = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();
const win = { start: iso(T + 10 * H), end: iso(T + 20 * H) };

test('a renewalInfo answer needs a suggestedWindow with start before end', () => {
  assert.deepEqual(parseRenewalInfo({ suggestedWindow: win, explanationURL: 'https://ca.test/why' }), {
    window: { start: T + 10 * H, end: T + 20 * H },
    explanationURL: 'https://ca.test/why',
  });
  assert.match((parseRenewalInfo({}) as { problem: string }).problem, /no suggestedWindow/);
  assert.match((parseRenewalInfo(undefined) as { problem: string }).problem, /no suggestedWindow/);
  assert.match(
    (parseRenewalInfo({ suggestedWindow: { start: 'soon', end: win.end } }) as { problem: string }).problem,
    /not an RFC 3339 time/,
  );
  assert.match(
    (parseRenewalInfo({ suggestedWindow: { start: win.end, end: win.start } }) as { problem: string })
      .problem,
    /ends before it starts/,
  );
});

test('the renewal moment is the random point of the window', () => {
  const w = { start: T, end: T + 10 * H };
  assert.equal(chooseRenewalTime(w, 0), T);
  assert.equal(chooseRenewalTime(w, 0.5), T + 5 * H);
  assert.ok(chooseRenewalTime(w, 0.999999) <= w.end);
});

test('Retry-After times the next check: seconds or a date, held to 1 min … 1 day; 6 h without one', () => {
  assert.equal(pollDelayMs(undefined, T), ARI_DEFAULT_POLL_MS);
  assert.equal(pollDelayMs('7200', T), 2 * H);
  assert.equal(pollDelayMs(new Date(T + 3 * H).toUTCString(), T), 3 * H);
  assert.equal(pollDelayMs('1', T), ARI_MIN_POLL_MS);
  assert.equal(pollDelayMs('9999999', T), ARI_MAX_POLL_MS);
  assert.equal(pollDelayMs('later', T), ARI_DEFAULT_POLL_MS);
});

test('asking again keeps the chosen moment while the window stays; a new window or serial re-chooses', () => {
  const info = { window: { start: T + 10 * H, end: T + 20 * H } };
  const first = nextAriRecord(undefined, 'aa', { certId: 'x.y', info, retryAfter: '3600' }, T, 0.25);
  assert.equal(first.renewAt, iso(T + 12.5 * H));
  assert.equal(first.nextCheckAt, iso(T + H));
  assert.deepEqual(first.window, win);
  const again = nextAriRecord(first, 'aa', { certId: 'x.y', info }, T + H, 0.9);
  assert.equal(again.renewAt, first.renewAt, 'the same window keeps its moment');
  assert.equal(again.nextCheckAt, iso(T + H + ARI_DEFAULT_POLL_MS));
  const moved = nextAriRecord(
    first,
    'aa',
    { info: { window: { start: T + 2 * H, end: T + 4 * H } } },
    T + H,
    0.5,
  );
  assert.equal(moved.renewAt, iso(T + 3 * H), 'a moved window (say, a revocation coming) re-chooses');
  assert.equal(nextAriRecord(first, 'bb', { info }, T, 0.5).renewAt, iso(T + 15 * H));
  const failed = nextAriRecord(
    first,
    'aa',
    { problem: 'renewalInfo answered HTTP 500', retryAfter: '120' },
    T,
    0,
  );
  assert.equal(failed.renewAt, undefined);
  assert.equal(failed.problem, 'renewalInfo answered HTTP 500');
  assert.equal(failed.nextCheckAt, iso(T + 120_000));
});

test('status names the rule: ari with its window, or one third of the lifetime with the reason', () => {
  const cert = { serial: 'aa', notBefore: iso(T), notAfter: iso(T + 90 * H) };
  assert.deepEqual(renewalOf(cert, undefined), {
    rule: 'one-third-lifetime',
    at: iso(T + 60 * H),
    reason: 'renewalInfo not asked yet for this certificate',
  });
  const rec = nextAriRecord(undefined, 'aa', { info: { window: { start: T + H, end: T + 2 * H } } }, T, 0);
  assert.deepEqual(renewalOf(cert, rec), {
    rule: 'ari',
    at: iso(T + H),
    window: { start: iso(T + H), end: iso(T + 2 * H) },
    nextCheckAt: rec.nextCheckAt,
  });
  assert.equal(
    renewalOf({ ...cert, serial: 'bb' }, rec).rule,
    'one-third-lifetime',
    'a stale record is ignored',
  );
  const none = nextAriRecord(
    undefined,
    'aa',
    { problem: 'the CA does not offer ARI (no renewalInfo)' },
    T,
    0,
  );
  assert.deepEqual(renewalOf(cert, none), {
    rule: 'one-third-lifetime',
    at: iso(T + 60 * H),
    reason: 'the CA does not offer ARI (no renewalInfo)',
    nextCheckAt: none.nextCheckAt,
  });
  const beyond = nextAriRecord(
    undefined,
    'aa',
    { info: { window: { start: T + 80 * H, end: T + 100 * H } } },
    T,
    0,
  );
  assert.deepEqual(renewalOf(cert, beyond), {
    rule: 'one-third-lifetime',
    at: iso(T + 60 * H),
    reason: `the suggestedWindow ends (${iso(T + 100 * H)}) after the certificate expires`,
    nextCheckAt: beyond.nextCheckAt,
  });
});
