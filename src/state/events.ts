// The event log: a bounded, persisted history of what happened (applied, failed, restarted,
// reaped), read by `tend status` and streamed live to the API. <stateDir>/events.jsonl gets one
// line per event; when it holds more than twice the bound it is rewritten atomically to the bound.
// Repeats fold, as Kubernetes aggregates events: an event identical to the latest one of its key and
// reason (same type and message, within FOLD_WINDOW_MS) replaces it with a count, so a fault that
// repeats every few seconds cannot push the rest of the history out of the bound.
import { z } from 'zod';
import type { Host } from '../host/index.js';
import type { ResourceKey } from '../model/index.js';
import { stateFs } from './state-fs.js';

export const EVENTS_FILE = 'events.jsonl';
export const DEFAULT_EVENT_BOUND = 1000;
/** An identical event older than this starts a new entry rather than folding into the old one. */
export const FOLD_WINDOW_MS = 10 * 60_000;

export interface TendEvent {
  time: string;
  key?: ResourceKey;
  type: 'Normal' | 'Warning';
  /** CamelCase, machine readable: "Applied", "ValidationFailed", "ProcessExited". */
  reason: string;
  /** For people; never holds a secret. */
  message: string;
  /** How many identical events this one stands for (absent: one); `time` is the latest of them. */
  count?: number;
  /** When the first of the folded events happened (present once count > 1). */
  firstTime?: string;
}

export type EventInput = Omit<TendEvent, 'time' | 'count' | 'firstTime'> & { time?: string };

const eventSchema = z.strictObject({
  time: z.string(),
  key: z.custom<ResourceKey>((v) => typeof v === 'string' && v.includes('/')).optional(),
  type: z.enum(['Normal', 'Warning']),
  reason: z.string(),
  message: z.string(),
  count: z.number().int().min(1).optional(),
  firstTime: z.string().optional(),
});

/** Events with the same identity may fold into one: who, what kind, why and what was said. */
const identity = (e: TendEvent) => JSON.stringify([e.key ?? '', e.type, e.reason, e.message]);

export const eventsPath = (stateDir: string) => `${stateDir}/${EVENTS_FILE}`;

/**
 * Lines that do not parse (a write cut short by a crash) are skipped: the rest is still good. A
 * folded event is appended as a new line; it replaces the line of the same run (identity and
 * firstTime) written before it, so the file reads back as the log had it.
 */
export function parseEvents(content: string): TendEvent[] {
  const events: (TendEvent | undefined)[] = [];
  const runs = new Map<string, number>();
  for (const line of content.split('\n')) {
    if (line.trim() === '') continue;
    let event: TendEvent;
    try {
      const parsed = eventSchema.safeParse(JSON.parse(line));
      if (!parsed.success) continue;
      event = parsed.data as TendEvent;
    } catch {
      continue; /* torn line */
    }
    const run = `${identity(event)}|${event.firstTime ?? event.time}`;
    const earlier = runs.get(run);
    if (event.firstTime !== undefined && earlier !== undefined) events[earlier] = undefined;
    runs.set(run, events.length);
    events.push(event);
  }
  return events.filter((e): e is TendEvent => e !== undefined);
}

/** Read-only view of the persisted log, for readers that must not write (the CLI). */
export async function readEvents(host: Host, stateDir: string): Promise<TendEvent[]> {
  return parseEvents((await host.fs.readFile(eventsPath(stateDir))) ?? '');
}

export interface EventLogOptions {
  bound?: number;
  /** Persistence failures never throw from record(); they land here (and in flush()). */
  onError?: (err: unknown) => void;
}

export class EventLog {
  /** seq orders events so a compaction never writes one whose own append is still queued. */
  private ring: { seq: number; event: TendEvent }[] = [];
  private seq = 0;
  private fileLines = 0;
  private readonly subscribers = new Set<(e: TendEvent) => void>();
  private writing: Promise<void> = Promise.resolve();
  private failure: unknown;
  readonly bound: number;

  private constructor(
    private readonly host: Host,
    readonly stateDir: string,
    private readonly opts: EventLogOptions,
  ) {
    this.bound = Math.max(1, opts.bound ?? DEFAULT_EVENT_BOUND);
  }

  /** Loads the tail of the file (the newest `bound` events). */
  static async open(host: Host, stateDir: string, opts: EventLogOptions = {}): Promise<EventLog> {
    const log = new EventLog(host, stateDir, opts);
    const content = (await host.fs.readFile(eventsPath(stateDir))) ?? '';
    log.fileLines = content.split('\n').filter((l) => l.trim() !== '').length;
    log.ring = parseEvents(content)
      .slice(-log.bound)
      .map((event) => ({ seq: 0, event }));
    // A torn tail would glue the next append onto garbage; rewrite so every line is whole again.
    if (content !== '' && !content.endsWith('\n')) log.enqueue(() => log.compact(0));
    return log;
  }

  /**
   * Stamps, keeps, notifies live subscribers, and appends to the file in the background. A repeat
   * of the latest event of its key and reason folds into it (see the top of this file).
   */
  record(input: EventInput): TendEvent {
    let event: TendEvent = {
      time: input.time ?? new Date(this.host.now()).toISOString(),
      ...(input.key !== undefined ? { key: input.key } : {}),
      type: input.type,
      reason: input.reason,
      message: input.message,
    };
    const previous = this.foldTarget(event);
    if (previous !== undefined) {
      const old = this.ring.splice(previous, 1)[0]!.event;
      event = { ...event, count: (old.count ?? 1) + 1, firstTime: old.firstTime ?? old.time };
    }
    const seq = ++this.seq;
    this.ring.push({ seq, event });
    if (this.ring.length > this.bound) this.ring.splice(0, this.ring.length - this.bound);
    for (const fn of this.subscribers) {
      try {
        fn(event);
      } catch {
        /* a broken live consumer must not stop the controller from recording */
      }
    }
    this.enqueue(async () => {
      await stateFs(this.host).appendFile(eventsPath(this.stateDir), `${JSON.stringify(event)}\n`);
      this.fileLines += 1;
      if (this.fileLines > 2 * this.bound) await this.compact(seq);
    });
    return event;
  }

  /** The ring index of the event `event` folds into, if any. */
  private foldTarget(event: TendEvent): number | undefined {
    for (let i = this.ring.length - 1; i >= 0; i--) {
      const old = this.ring[i]!.event;
      if (old.key !== event.key || old.reason !== event.reason) continue;
      if (old.type !== event.type || old.message !== event.message) return undefined;
      const age = Date.parse(event.time) - Date.parse(old.time);
      return age >= 0 && age <= FOLD_WINDOW_MS ? i : undefined;
    }
    return undefined;
  }

  /** Oldest first; the newest `limit` events (all kept ones by default), optionally for one key. */
  recent(filter: { key?: ResourceKey; limit?: number } = {}): TendEvent[] {
    const all = this.ring.map((r) => r.event);
    const matching = filter.key === undefined ? all : all.filter((e) => e.key === filter.key);
    if (filter.limit === undefined) return matching;
    return filter.limit > 0 ? matching.slice(-filter.limit) : [];
  }

  subscribe(fn: (e: TendEvent) => void): () => void {
    this.subscribers.add(fn);
    return () => {
      this.subscribers.delete(fn);
    };
  }

  /** Waits for pending writes; throws the first persistence error since the last flush. */
  async flush(): Promise<void> {
    await this.writing;
    if (this.failure !== undefined) {
      const err = this.failure;
      this.failure = undefined;
      throw err;
    }
  }

  private enqueue(step: () => Promise<void>): void {
    this.writing = this.writing.then(step).catch((err: unknown) => {
      this.failure ??= err;
      this.opts.onError?.(err);
    });
  }

  /** Rewrites the file with the kept events up to `upTo`; later ones are still queued to append. */
  private async compact(upTo: number): Promise<void> {
    const kept = this.ring.filter((r) => r.seq <= upTo);
    const body = kept.map((r) => `${JSON.stringify(r.event)}\n`).join('');
    await this.host.fs.writeFileAtomic(eventsPath(this.stateDir), body, 0o644);
    this.fileLines = kept.length;
  }
}
