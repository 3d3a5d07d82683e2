// One ARI check against the CA: read its directory; when it advertises renewalInfo, GET
// <renewalInfo>/<certID> and read the suggested window. Every failure becomes a problem string (the
// one-third rule then applies), never an exception; the same trust (caRoots) as the ACME requests.
import { request, type Agent } from 'node:https';
import type { Host } from '../host/host.js';
import { directoryUrlOf, type Issuer } from '../model/index.js';
import { trustFor } from './issue.js';
import { leafOf } from './pem.js';
import type { StoredCertificate } from './store.js';
import { ariCertId } from './cert-id.js';
import { parseRenewalInfo, type AriOutcome } from './ari.js';

const MAX_BODY = 64 * 1024;

interface Answer {
  status: number;
  body: string;
  retryAfter?: string;
}

function get(url: string, agent: Agent | undefined, timeoutMs: number): Promise<Answer> {
  return new Promise((done, fail) => {
    const req = request(url, { method: 'GET', ...(agent ? { agent } : {}) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
        if (body.length > MAX_BODY) req.destroy(new Error(`the answer is over ${MAX_BODY} bytes`));
      });
      res.on('end', () => {
        const ra = res.headers['retry-after'];
        done({ status: res.statusCode ?? 0, body, ...(typeof ra === 'string' ? { retryAfter: ra } : {}) });
      });
      res.on('error', fail);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', fail);
    req.end();
  });
}

function json(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export async function fetchRenewalInfo(
  directoryUrl: string,
  certPem: string,
  agent?: Agent,
  timeoutMs = 10_000,
): Promise<AriOutcome> {
  let der: Uint8Array;
  try {
    der = leafOf(certPem).raw;
  } catch (err) {
    return { problem: `the certificate does not parse: ${(err as Error).message}` };
  }
  const id = ariCertId(der);
  if ('problem' in id) return { problem: id.problem };
  const { certId } = id;
  try {
    const dir = await get(directoryUrl, agent, timeoutMs);
    if (dir.status !== 200) return { certId, problem: `the directory answered HTTP ${dir.status}` };
    const endpoint = (json(dir.body) as { renewalInfo?: unknown } | undefined)?.renewalInfo;
    if (endpoint === undefined) return { certId, problem: 'the CA does not offer ARI (no renewalInfo)' };
    if (typeof endpoint !== 'string' || !endpoint.startsWith('https://'))
      return { certId, problem: 'the directory names a renewalInfo that is not an https URL' };
    const url = `${endpoint.replace(/\/+$/, '')}/${certId}`;
    const ans = await get(url, agent, timeoutMs);
    const retry = ans.retryAfter !== undefined ? { retryAfter: ans.retryAfter } : {};
    if (ans.status !== 200)
      return { certId, ...retry, problem: `renewalInfo answered HTTP ${ans.status} for ${certId}` };
    const info = parseRenewalInfo(json(ans.body));
    if ('problem' in info) return { certId, ...retry, problem: info.problem };
    return { certId, ...retry, info };
  } catch (err) {
    return { certId, problem: `renewalInfo is unreachable: ${(err as Error).message}` };
  }
}

/** One check for a stored certificate under its Issuer's directory and trust; never throws. */
export async function askRenewalInfo(
  host: Host,
  issuer: Issuer,
  cert: Pick<StoredCertificate, 'certificate'>,
): Promise<AriOutcome> {
  let agent: Agent | undefined;
  try {
    const pem = await host.fs.readFile(cert.certificate);
    if (pem === undefined) return { problem: `${cert.certificate} cannot be read` };
    agent = await trustFor(host, issuer);
    return await fetchRenewalInfo(directoryUrlOf(issuer.spec), pem, agent);
  } catch (err) {
    return { problem: (err as Error).message };
  } finally {
    agent?.destroy();
  }
}
