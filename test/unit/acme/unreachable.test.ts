// An unreachable ACME server is a reported failure (type "connection"), not a crash, and creates no
// certificate; the account key it made is 0600.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { issueCertificate } from '../../../src/acme/issue.js';
import { AcmeFailure } from '../../../src/acme/problem.js';
import { createRealHost } from '../../../src/host/index.js';
import type { Issuer } from '../../../src/model/index.js';
import { tempDir } from '../../helpers/tmp.js';

test('an unreachable directory fails with a connection problem naming the error', async (t) => {
  const dir = tempDir(t);
  const paths = {
    challengeDir: `${dir}/ch`,
    siteDir: (s: string) => `${dir}/c/${s}`,
    accountFile: (i: string) => `${dir}/a/${i}.json`,
  };
  const issuer = {
    apiVersion: 'tend/v1',
    kind: 'Issuer',
    metadata: { name: 'gone', labels: {} },
    spec: { directory: 'https://127.0.0.1:1/dir', email: 'a@b.test', caRoots: [], default: false },
  } as Issuer;
  const err = await issueCertificate(createRealHost(), paths, { issuer, domains: ['x.b.test'] }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof AcmeFailure, String(err));
  assert.equal(err.type, 'connection');
  assert.match(err.detail, /unreachable \(ECONNREFUSED/);
  assert.equal(statSync(`${dir}/a/gone.json`).mode & 0o777, 0o600);
});
