// `tend reconcile --plan --json` and GET /v1/plan of a paused `tend serve` are the same documented
// document (docs/plan-json.md), both checked against the one schema in src/plan/plan-json-schema.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { planJsonSchema, servedPlanJsonSchema } from '../../src/plan/plan-json-schema.js';
import { staticSiteYaml } from '../helpers/e2e.js';
import { programYaml, serveEnv } from './serve-harness.js';

test('GET /v1/plan returns the --json plan format, validated by the same schema as the CLI', async (t) => {
  const env = await serveEnv(t);
  writeFileSync(join(env.www, 'index.html'), 'hi\n');
  env.write('s.yaml', staticSiteYaml('s', env.www));
  env.write(
    'p.yaml',
    programYaml('p', env.programScript, '  env: { TOKEN: { value: plan-secret-1, secret: true } }\n'),
  );
  await env.start(['--paused']);
  const cli = await env.tend('reconcile', '--plan', '--json');
  assert.equal(cli.code, 2, cli.stderr);
  const fromCli = planJsonSchema.parse(JSON.parse(cli.stdout));
  const served = await env.api('GET', '/v1/plan');
  assert.equal(served.status, 200);
  const fromApi = servedPlanJsonSchema.parse(served.body);
  assert.ok(fromApi.computedAt, 'the daemon says when it computed the plan');
  const { computedAt: _at, ...rest } = fromApi;
  assert.deepEqual(rest, fromCli, 'the API and the CLI serve the same document');
  assert.ok(fromCli.changes.some((c) => c.key === 'Site/s' && c.actions[0] === 'create'));
  assert.ok(!JSON.stringify(served.body).includes('plan-secret-1'), 'no secret in the served plan');
});
