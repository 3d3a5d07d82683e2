// File-based certificates (tls.certificate/tls.key) are judged before nginx sees them: when either
// file's stat identity changes, the pair is read and checked (parses, key matches, not expired,
// covers the Site's domains); a good pair is copied into the state dir under its content hash and
// the vhost names the copy, so the change goes live with one validated reload. A bad replacement is
// held back: the last good copy keeps serving and the Site's status says why.
import { createHash } from 'node:crypto';
import type { Host } from '../host/host.js';
import type { Layout } from '../layout/layout.js';
import type { Resource } from '../model/index.js';
import { factsOf, servingProblem } from './pem.js';

export interface FileCertJudgement {
  /** The copy nginx serves, when a good pair was ever seen. */
  serving?: { certificate: string; key: string; serial?: string; notAfter?: string };
  /** Why the files on disk are not served now (missing, garbage, wrong key, expired, names). */
  heldBack?: string;
}

interface Memo {
  identity: string;
  judgement: FileCertJudgement;
}

/**
 * Per Site, the last identity judged, so a daemon re-reads nothing that did not change. It lives in
 * the controller's snapshot (pipeline/snapshot.ts), one per state dir, never in this module.
 */
export type FileCertMemo = Map<string, Memo>;

export function fileCertJudgements(memo: FileCertMemo): ReadonlyMap<string, FileCertJudgement> {
  return new Map([...memo].map(([k, v]) => [k, v.judgement]));
}

const join = (...parts: string[]) => parts.join('/').replace(/\/{2,}/g, '/');

async function identityOf(host: Host, path: string): Promise<string> {
  const st = await host.fs.stat(path);
  return st ? `${st.size}:${st.mtimeMs}:${st.mode}` : 'missing';
}

async function readCopy(host: Host, dir: string): Promise<FileCertJudgement['serving']> {
  const text = await host.fs.readFile(join(dir, 'current.json'));
  if (!text) return undefined;
  try {
    const cur = JSON.parse(text) as NonNullable<FileCertJudgement['serving']>;
    return (await host.fs.stat(cur.certificate)) && (await host.fs.stat(cur.key)) ? cur : undefined;
  } catch {
    return undefined;
  }
}

/** The served copy of every file-based TLS Site (Sites with none are rendered from their own paths). */
export async function fileCertInput(
  host: Host,
  layout: Layout,
  resources: Iterable<Resource>,
  memo: FileCertMemo,
  opts: { readOnly?: boolean } = {},
): Promise<Map<string, { certificate: string; key: string }>> {
  const out = new Map<string, { certificate: string; key: string }>();
  const seen = new Set<string>();
  for (const r of resources) {
    const tls = r.kind === 'Site' ? r.spec.tls : undefined;
    if (r.kind !== 'Site' || !tls?.certificate || !tls.key) continue;
    const name = r.metadata.name;
    seen.add(name);
    const dir = join(layout.stateDir, 'tls', name);
    const identity = [
      await identityOf(host, tls.certificate),
      await identityOf(host, tls.key),
      r.spec.domains.join(','),
    ].join('|');
    let judged = memo.get(name);
    if (judged?.identity !== identity) {
      judged = {
        identity,
        judgement: await judge(host, dir, tls.certificate, tls.key, r.spec.domains, opts),
      };
      // A read-only plan renders the operator's own paths, never a copy: remembering that verdict
      // would make the next real pass skip making the copy for the same identity.
      if (!opts.readOnly) memo.set(name, judged);
    }
    const serving = judged.judgement.serving;
    if (serving) out.set(name, { certificate: serving.certificate, key: serving.key });
  }
  if (!opts.readOnly) for (const name of memo.keys()) if (!seen.has(name)) memo.delete(name);
  return out;
}

async function judge(
  host: Host,
  dir: string,
  certPath: string,
  keyPath: string,
  domains: readonly string[],
  opts: { readOnly?: boolean },
): Promise<FileCertJudgement> {
  const previous = await readCopy(host, dir);
  const [certPem, keyPem] = await Promise.all([host.fs.readFile(certPath), host.fs.readFile(keyPath)]);
  const problem =
    certPem === undefined
      ? `${certPath} cannot be read`
      : keyPem === undefined
        ? `${keyPath} cannot be read`
        : servingProblem(certPem, keyPem, domains, host.now());
  if (problem !== undefined || certPem === undefined || keyPem === undefined)
    return { ...(previous ? { serving: previous } : {}), heldBack: problem };
  const hash = createHash('sha256').update(certPem).update('\0').update(keyPem).digest('hex').slice(0, 16);
  if (previous?.certificate === join(dir, `${hash}.crt`)) return { serving: previous };
  // `tend plan` looks without writing: it renders the files the operator named.
  if (opts.readOnly) return { serving: { certificate: certPath, key: keyPath } };
  const facts = factsOf(certPem);
  const serving = {
    certificate: join(dir, `${hash}.crt`),
    key: join(dir, `${hash}.key`),
    serial: facts.serial,
    notAfter: facts.notAfter,
  };
  await host.fs.mkdirp(dir, 0o700);
  await host.fs.writeFileAtomic(serving.key, keyPem, 0o600);
  await host.fs.writeFileAtomic(serving.certificate, certPem, 0o644);
  await host.fs.writeFileAtomic(join(dir, 'current.json'), `${JSON.stringify(serving)}\n`, 0o600);
  // The previous copy stays until the next change (a reload may still be reading it); older ones go.
  const keep = new Set([`${hash}.crt`, `${hash}.key`, 'current.json']);
  if (previous)
    for (const p of [previous.certificate, previous.key]) keep.add(p.slice(p.lastIndexOf('/') + 1));
  for (const f of await host.fs.readdir(dir).catch(() => [] as string[]))
    if (!keep.has(f)) await host.fs.remove(join(dir, f));
  return { serving };
}
