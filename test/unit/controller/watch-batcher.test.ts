// The watcher's debounce: bursts collapse into one batch, and a steady trickle is cut at maxWait.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Batcher, isYamlPath } from '../../../src/controller/watch.js';
import { FakeTimers } from './fake-timers.js';

function setup() {
  const timers = new FakeTimers();
  const batches: string[][] = [];
  const batcher = new Batcher((paths) => batches.push(paths), 150, 2000, timers);
  return { timers, batches, batcher };
}

test('a burst becomes one batch of distinct paths once events settle', () => {
  const { timers, batches, batcher } = setup();
  for (let i = 0; i < 500; i++) batcher.push(`/d/f${String(i).padStart(3, '0')}.yaml`);
  batcher.push('/d/f000.yaml');
  timers.advance(149);
  assert.equal(batches.length, 0);
  timers.advance(1);
  assert.equal(batches.length, 1);
  assert.equal(batches[0]!.length, 500);
  timers.advance(10_000);
  assert.equal(batches.length, 1, 'no empty batches follow');
});

test('each event restarts the settle timer, but maxWait bounds the batch', () => {
  const { timers, batches, batcher } = setup();
  for (let t = 0; t < 2500; t += 100) {
    batcher.push(`/d/${t}.yaml`);
    timers.advance(100);
  }
  assert.equal(batches.length, 1, 'cut at maxWait while events keep coming');
  assert.equal(batches[0]!.length, 20);
  timers.advance(150);
  assert.equal(batches.length, 2);
  assert.equal(batches[1]!.length, 5);
});

test('close drops pending paths and ignores later pushes', () => {
  const { timers, batches, batcher } = setup();
  batcher.push('/d/a.yaml');
  batcher.close();
  batcher.push('/d/b.yaml');
  timers.advance(5000);
  assert.deepEqual(batches, []);
  assert.equal(timers.size, 0);
});

test('isYamlPath accepts .yaml and .yml only', () => {
  assert.equal(isYamlPath('/a/b.yaml'), true);
  assert.equal(isYamlPath('/a/b.YML'), true);
  assert.equal(isYamlPath('/a/b.yaml.tmp'), false);
  assert.equal(isYamlPath('/a/README.md'), false);
});
