// One issuance over HTTP-01 with acme-client: the account (account.ts), an order for the
// Site's domains, one answer file per challenge in tend's challenge dir, then a fresh key and CSR.
// A refused challenge is reported with the server's own problem type and detail.
import * as https from 'node:https';
import { rootCertificates } from 'node:tls';
import type * as acmeTypes from 'acme-client';
import type { Host } from '../host/host.js';
import { directoryUrlOf, type Issuer } from '../model/index.js';
import { AcmeFailure, failureOf, installProblemCapture, resetSeen } from './problem.js';
import type { AcmePaths } from './paths.js';
import { loadAccount, retireIfRefused, saveAccountUrl } from './account.js';
import { acmeClient } from './client.js';

export interface IssueRequest {
  issuer: Issuer;
  domains: readonly string[];
  /** Poll interval bounds while the CA validates (tests and the bench want it short). */
  pollMs?: { min: number; max: number };
}

export interface Issued {
  certificate: string;
  key: string;
}

/** The https.Agent that trusts the public roots and the Issuer's caRoots (undefined: Node's default). */
export async function trustFor(host: Host, issuer: Issuer): Promise<https.Agent | undefined> {
  if (issuer.spec.caRoots.length === 0) return undefined;
  const extra: string[] = [];
  for (const f of issuer.spec.caRoots) {
    const pem = await host.fs.readFile(f);
    if (pem === undefined) throw new AcmeFailure('config', `caRoots file ${f} cannot be read`);
    extra.push(pem);
  }
  return new https.Agent({ ca: [...rootCertificates, ...extra], keepAlive: true });
}

export async function issueCertificate(host: Host, paths: AcmePaths, req: IssueRequest): Promise<Issued> {
  const acme = await acmeClient();
  installProblemCapture(acme);
  resetSeen();
  const { issuer } = req;
  try {
    const agent = await trustFor(host, issuer);
    acme.axios.defaults.httpsAgent = agent;
    const acct = await loadAccount(host, paths, issuer.metadata.name);
    const eab = issuer.spec.externalAccountBinding;
    const hmacKey = eab ? (await host.fs.readFile(eab.hmacKeyFile))?.trim() : undefined;
    if (eab && !hmacKey)
      throw new AcmeFailure('config', `externalAccountBinding.hmacKeyFile ${eab.hmacKeyFile} cannot be read`);
    const client = new acme.Client({
      directoryUrl: directoryUrlOf(issuer.spec),
      accountKey: acct.key,
      ...(acct.url ? { accountUrl: acct.url } : {}),
      ...(eab && hmacKey ? { externalAccountBinding: { kid: eab.keyId, hmacKey } } : {}),
      backoffAttempts: 60,
      backoffMin: req.pollMs?.min ?? 250,
      backoffMax: req.pollMs?.max ?? 5000,
    });
    try {
      await client.createAccount({ termsOfServiceAgreed: true, contact: [`mailto:${issuer.spec.email}`] });
    } catch (err) {
      throw await retireIfRefused(host, paths, issuer.metadata.name, acct, failureOf(err));
    }
    await saveAccountUrl(host, paths, issuer.metadata.name, acct, client.getAccountUrl());
    const order = await client.createOrder({
      identifiers: req.domains.map((value) => ({ type: 'dns', value })),
    });
    for (const authz of await client.getAuthorizations(order)) {
      if (authz.status === 'valid') continue;
      const challenge = authz.challenges.find((c) => c.type === 'http-01');
      if (!challenge)
        throw new AcmeFailure(
          'unsupported',
          `the server offers no http-01 challenge for ${authz.identifier.value}`,
        );
      const keyAuthorization = await client.getChallengeKeyAuthorization(challenge);
      // The token is the server's: only base64url may name a file in the challenge dir.
      if (!/^[A-Za-z0-9_-]{1,256}$/.test(challenge.token))
        throw new AcmeFailure('malformed', 'the server sent a challenge token that is not base64url');
      const answer = `${paths.challengeDir}/${challenge.token}`;
      await host.fs.writeFileAtomic(answer, keyAuthorization, 0o644);
      try {
        await client.completeChallenge(challenge);
        await client.waitForValidStatus(challenge);
      } catch (err) {
        throw await refusal(client, order, authz.url, err);
      } finally {
        await host.fs.remove(answer);
      }
    }
    // ECDSA P-256: every client nginx serves accepts it, and it is generated in milliseconds.
    const [key, csr] = await acme.crypto.createCsr(
      { altNames: [...req.domains] },
      await acme.crypto.createPrivateEcdsaKey(),
    );
    const finalized = await client.finalizeOrder(order, csr);
    const certificate = await client.getCertificate(finalized);
    return { certificate, key: key.toString() };
  } catch (err) {
    throw failureOf(err);
  }
}

/** The challenge's own error from the authorization (type and detail), as the CA recorded it. */
async function refusal(
  client: acmeTypes.Client,
  order: acmeTypes.Order,
  authzUrl: string,
  err: unknown,
): Promise<AcmeFailure> {
  try {
    const authz = (await client.getAuthorizations(order)).find((a) => a.url === authzUrl);
    const e = (
      authz?.challenges.find((c) => c.type === 'http-01') as { error?: { type?: string; detail?: string } }
    )?.error;
    if (e?.type) return new AcmeFailure(e.type, e.detail ?? '');
  } catch {
    // Fall back to what the failed wait said.
  }
  return failureOf(err);
}
