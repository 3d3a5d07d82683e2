// Where readers (tend status, later the dashboard) get status from. The file source reads the state
// dir directly; the daemon's HTTP source will implement the same interface and serve the same objects.
import type { Host } from '../host/index.js';
import type { Kind, ResourceKey } from '../model/index.js';
import type { Phase, ResourceStatus } from './conditions.js';
import { readEvents, type TendEvent } from './events.js';
import { StatusStore } from './status-store.js';

/** One resource in detail: its status and the recent events about it. */
export type ResourceDetail = ResourceStatus & { events: TendEvent[] };

export interface StatusSource {
  /** Where the data comes from, for messages ("/srv/.tend/state", "http://127.0.0.1:7777"). */
  readonly origin: string;
  list(filter?: { kind?: Kind; phase?: Phase }): Promise<ResourceStatus[]>;
  get(key: ResourceKey, opts?: { events?: number }): Promise<ResourceDetail | undefined>;
}

export const DEFAULT_DETAIL_EVENTS = 20;

/** Reads status.json and events.jsonl afresh on every call; never writes. */
export function fileStatusSource(host: Host, stateDir: string): StatusSource {
  return {
    origin: stateDir,
    async list(filter = {}) {
      return (await StatusStore.load(host, stateDir)).list(filter);
    },
    async get(key, opts = {}) {
      const status = (await StatusStore.load(host, stateDir)).get(key);
      if (!status) return undefined;
      const limit = opts.events ?? DEFAULT_DETAIL_EVENTS;
      const events = (await readEvents(host, stateDir)).filter((e) => e.key === key);
      return { ...status, events: limit > 0 ? events.slice(-limit) : [] };
    },
  };
}
