// A fleet of `tend serve` daemons on one bare repository served by `git daemon` on loopback, shared by
// the fleet e2e test and the push-to-applied bench: each host has its own root, ports, host name and
// labels; Sites' document roots live under the first host's base, which every host may serve from.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { httpGet, staticSiteYaml } from '../helpers/e2e.js';
import { gitRemote, type GitRemote } from './git-harness.js';
import { serveEnv, waitFor, type ServeEnv } from './serve-harness.js';

export interface FleetHostSpec {
  name: string;
  /** `k=v` labels, each given as --host-label. */
  labels: string[];
}

export interface FleetHost {
  name: string;
  env: ServeEnv;
  /** The API token this host's daemon wrote. */
  token(): string;
  /** `GET /v1/source`'s revision. */
  revision(): Promise<string | undefined>;
  /** Every resource this host has status for: key → lastAppliedRevision. */
  applied(): Promise<Map<string, string | undefined>>;
  /** True when this host's nginx serves Site `name`'s index page. */
  serves(name: string): Promise<boolean>;
}

export interface Fleet {
  remote: GitRemote;
  hosts: FleetHost[];
  host(name: string): FleetHost;
  /** A static Site's YAML with its docroot written; `meta` is added to its metadata (hosts, selector). */
  site(name: string, meta?: string, extra?: string): string;
  /** Starts git daemon, then every host following the branch (interval 1h unless `extra` says). */
  start(extra?: string[]): Promise<void>;
  /** Writes a `tend fleet status` hosts file (URL and token per line) and returns its path. */
  hostsFile(extraLines?: string[]): string;
  /** Waits until `host` is at `revision` with exactly these Sites served or not. */
  converged(host: FleetHost, revision: string, want: Record<string, boolean>): Promise<void>;
}

export const withMeta = (yaml: string, meta: string) =>
  yaml.replace(/^metadata: \{ name: (\S+) \}$/m, `metadata: { name: $1, ${meta} }`);

export async function gitFleet(
  t: { after: (fn: () => Promise<void> | void) => void },
  specs: FleetHostSpec[],
): Promise<Fleet> {
  const envs: ServeEnv[] = [];
  for (let i = 0; i < specs.length; i++) envs.push(await serveEnv(t));
  const first = envs[0]!;
  const remote = await gitRemote(t, first.base);
  const hosts: FleetHost[] = specs.map((spec, i) => {
    const env = envs[i]!;
    return {
      name: spec.name,
      env,
      token: () => readFileSync(join(env.root, 'state/api-token'), 'utf8').trim(),
      revision: async () => ((await env.api('GET', '/v1/source')).body as { revision?: string }).revision,
      async applied() {
        const r = await env.api('GET', '/v1/resources');
        if (r.status !== 200) throw new Error(`${spec.name}: GET /v1/resources answered ${r.status}`);
        const items = (r.body as { items: { key: string; status?: { lastAppliedRevision?: string } }[] })
          .items;
        return new Map(items.map((it) => [it.key, it.status?.lastAppliedRevision]));
      },
      serves: async (name) =>
        (await httpGet(env.port, `${name}.e2e.test`).catch(() => ({ body: '' }))).body === `${name}\n`,
    };
  });
  const fleet: Fleet = {
    remote,
    hosts,
    host(name) {
      const h = hosts.find((x) => x.name === name);
      if (!h) throw new Error(`no host ${name} in this fleet`);
      return h;
    },
    site(name, meta, extra = '') {
      const docroot = join(first.www, name);
      mkdirSync(docroot, { recursive: true });
      writeFileSync(join(docroot, 'index.html'), `${name}\n`);
      const yaml = staticSiteYaml(name, docroot, extra);
      return meta ? withMeta(yaml, meta) : yaml;
    },
    async start(extra = []) {
      await remote.startDaemon();
      for (const [i, h] of hosts.entries()) {
        const labels = specs[i]!.labels.flatMap((l) => ['--host-label', l]);
        await h.env.start([
          ...['--git', remote.url, '--git-interval', '1h'],
          ...['--host-name', h.name, ...labels, '--web-base', first.base],
          ...extra,
        ]);
      }
    },
    hostsFile(extraLines = []) {
      const file = join(first.base, 'hosts.txt');
      const lines = ['# fleet', ...hosts.map((h) => `http://127.0.0.1:${h.env.apiPort} ${h.token()}`)];
      writeFileSync(file, `${[...lines, ...extraLines].join('\n')}\n`);
      return file;
    },
    async converged(host, revision, want) {
      await waitFor(`${host.name} at ${revision.slice(0, 8)} serving ${JSON.stringify(want)}`, async () => {
        if ((await host.revision()) !== revision) return false;
        for (const [name, on] of Object.entries(want)) if ((await host.serves(name)) !== on) return false;
        return true;
      });
    },
  };
  return fleet;
}
