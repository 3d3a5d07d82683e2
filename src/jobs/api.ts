// The JobsApi the HTTP routes use, over a live JobRunner; run logs are read with secrets masked.
import { readFileSync } from 'node:fs';
import type { JobsApi } from '../api/job-routes.js';
import { redact } from '../supervisor/runtime-spec.js';
import type { JobRunner } from './runner.js';

export function jobsApi(runner: JobRunner): JobsApi {
  return {
    exists: (name) => runner.spec(name) !== undefined,
    tokenMatches: (name, token) => runner.tokens.matches(name, token),
    trigger: (name) => runner.trigger(name, 'api'),
    wait: (name, id) => runner.wait(name, id),
    runs: (name) => runner.history.list(name),
    run: (name, id) => runner.history.get(name, id),
    log(name, id) {
      const record = runner.history.get(name, id);
      if (!record) return undefined;
      try {
        return redact(readFileSync(record.log, 'utf8'), runner.spec(name)?.process.secretValues ?? []);
      } catch {
        return '';
      }
    },
  };
}
