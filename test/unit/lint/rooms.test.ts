// The shape of the house is checked by lint: model/, render/ and plan/ stay pure, and the loop
// (controller/) reaches the drivers only through src/drivers/index.ts. Each rule is run against a
// snippet placed in the room, so a config edit that silently drops a rule fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

// dist/test/unit/lint/ → the repository root, where eslint.config.js lives.
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const eslint = new ESLint({ cwd: root });

async function restricted(filePath: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

test('controller/ may not import a driver module directly', async () => {
  for (const spec of [
    '../drivers/services.js',
    '../drivers/nginx/driver.js',
    '../drivers/php-fpm/fastcgi.js',
    '../drivers/health/proc.js',
  ]) {
    const messages = await restricted(
      'src/controller/lint-probe.ts',
      `import { x } from '${spec}';\nexport const y = x;\n`,
    );
    assert.deepEqual(
      messages,
      [
        `'${spec}' import is restricted from being used by a pattern. controller/ is the loop: import drivers only through src/drivers/index.ts.`,
      ],
      spec,
    );
  }
  // Type-only imports count too: they still tie the loop to a backend's internals.
  assert.equal(
    (
      await restricted(
        'src/controller/lint-probe.ts',
        `import type { X } from '../drivers/service.js';\nexport type Y = X;\n`,
      )
    ).length,
    1,
  );
});

test('controller/ may import drivers through their public entry, and other rooms keep direct access', async () => {
  const viaIndex = `import type { ServiceContext } from '../drivers/index.js';\nexport type Y = ServiceContext;\n`;
  assert.deepEqual(await restricted('src/controller/lint-probe.ts', viaIndex), []);
  const direct = `import { serviceDriverFor } from '../drivers/services.js';\nexport const y = serviceDriverFor;\n`;
  assert.deepEqual(await restricted('src/pipeline/lint-probe.ts', direct), []);
  assert.deepEqual(await restricted('src/runtime/lint-probe.ts', direct), []);
});

test('the purity rule still holds for model/, render/ and plan/, including the new rooms', async () => {
  const fs = `import { readFileSync } from 'node:fs';\nexport const y = readFileSync;\n`;
  for (const room of ['model', 'render', 'plan', 'directives'])
    assert.equal(
      (await restricted(`src/${room}/lint-probe.ts`, fs)).length,
      1,
      `${room} may not use node:fs`,
    );
  for (const spec of [
    '../observe/observe.js',
    '../pipeline/compute-plan.js',
    '../status/status-writer.js',
    '../runtime/programs.js',
    '../controller/controller.js',
    '../drivers/index.js',
    '../import/verify.js',
  ])
    assert.equal(
      (await restricted('src/plan/lint-probe.ts', `import { x } from '${spec}';\nexport const y = x;\n`))
        .length,
      1,
      `plan/ may not import ${spec}`,
    );
});

test('the real tree passes both rules', async () => {
  const results = await eslint.lintFiles([
    'src/controller/',
    'src/model/',
    'src/render/',
    'src/plan/',
    'src/directives/',
  ]);
  const found = results.flatMap((r) =>
    r.messages
      .filter((m) => m.ruleId === 'no-restricted-imports')
      .map((m) => `${r.filePath}:${m.line}: ${m.message}`),
  );
  assert.deepEqual(found, []);
});
