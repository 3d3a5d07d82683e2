// Golden files: every preset and pool variant rendered with a fixed layout must match
// test/golden/<name>.conf byte for byte. UPDATE_GOLDEN=1 rewrites them.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { besideSource } from '../../helpers/paths.js';
import { loadTemplates } from '../../../src/host/templates.js';
import { embeddedLayout, systemLayout } from '../../../src/layout/index.js';
import { keyOf } from '../../../src/model/index.js';
import { renderOne, type RenderContext } from '../../../src/render/index.js';
import { GOLDEN_PATHS, renderCases, type RenderCase } from './fixtures.js';

const goldenDir = besideSource(import.meta.url, '../../golden');
const update = process.env.UPDATE_GOLDEN === '1';

function contextFor(c: RenderCase): RenderContext {
  return {
    layout: c.profile === 'system' ? systemLayout('/') : embeddedLayout('/srv/tend'),
    resources: new Map(c.resources.map((r) => [keyOf(r), r])),
    programPorts: new Map(Object.entries(c.programPorts ?? {})),
    templates: loadTemplates(),
  };
}

for (const c of renderCases(GOLDEN_PATHS)) {
  test(`golden ${c.golden}`, () => {
    const target = c.resources.find((r) => keyOf(r) === c.target);
    assert.ok(target);
    const rendered = renderOne(target, contextFor(c));
    assert.equal(rendered.files.length, 1);
    const content = rendered.files[0]!.content;
    const file = join(goldenDir, `${c.golden}.conf`);
    if (update) writeFileSync(file, content);
    assert.ok(existsSync(file), `${file} is missing; run with UPDATE_GOLDEN=1 to create it`);
    assert.equal(content, readFileSync(file, 'utf8'), `${c.golden} differs from its golden file`);
  });
}

test('every golden file on disk belongs to a case (no stale goldens)', async () => {
  const { readdirSync } = await import('node:fs');
  const names = new Set(renderCases(GOLDEN_PATHS).map((c) => `${c.golden}.conf`));
  const stale = readdirSync(goldenDir).filter(
    (f) => (f.startsWith('nginx-') || f.startsWith('pool-')) && !names.has(f),
  );
  assert.deepEqual(stale, []);
});
