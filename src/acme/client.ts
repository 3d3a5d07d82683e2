// acme-client, loaded at the first issuance rather than at start: it brings axios and node-forge,
// ~8.5 MB of heap and ~28 MB resident in a bare node, which a host with no ACME Site never uses
// (the daemon's memory target, issue 16; docs/decisions/0051-daemon-memory-young-generation.md).
export type AcmeClient = typeof import('acme-client');

let loading: Promise<AcmeClient> | undefined;

export function acmeClient(): Promise<AcmeClient> {
  loading ??= import('acme-client');
  return loading;
}
