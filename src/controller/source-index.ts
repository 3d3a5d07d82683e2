// Which desired-state file declared which keys at the last pass: maps file events to the keys they
// touch, forgets keys that left the desired state, and surfaces load errors as an event each time
// the set of errors changes (not every pass).
import { relative } from 'node:path';
import type { ResourceKey } from '../model/index.js';
import type { ConvergeResult } from '../pipeline/converge.js';
import type { EventLog } from '../state/events.js';
import type { StatusStore } from '../state/status-store.js';
import { markSourceErrors } from '../status/held-status.js';
import { ALL_KEY } from './outcomes.js';

export interface SourceIndexOptions {
  desiredDir: string;
  store: StatusStore;
  events: EventLog;
  /** Drops a key that left the desired state from the work queue. */
  forget: (key: string) => void;
}

export class SourceIndex {
  private fileKeys = new Map<string, ResourceKey[]>();
  private lastSourceErrors = '';

  constructor(private readonly opts: SourceIndexOptions) {}

  /** The keys that changed paths declared at the last pass, and ALL_KEY (a new file declares new keys). */
  keysFor(paths: readonly string[]): Set<string> {
    const keys = new Set<string>([ALL_KEY]);
    for (const path of paths) {
      const rel = relative(this.opts.desiredDir, path).split('\\').join('/');
      for (const [file, declared] of this.fileKeys)
        if (file === rel || file.startsWith(`${rel}/`)) for (const k of declared) keys.add(k);
    }
    return keys;
  }

  /** Indexes files → keys, forgets keys that left the desired state, and surfaces source errors. */
  note(result: ConvergeResult): void {
    const { load } = result.computed;
    const before = new Set([...this.fileKeys.values()].flat());
    this.fileKeys = new Map();
    for (const r of load.resources) this.fileKeys.set(r.file, [...(this.fileKeys.get(r.file) ?? []), r.key]);
    for (const e of load.errors)
      if (e.key) this.fileKeys.set(e.file, [...new Set([...(this.fileKeys.get(e.file) ?? []), e.key])]);
    const now = new Set([...this.fileKeys.values()].flat());
    for (const key of before) if (!now.has(key)) this.opts.forget(key);
    const summary = markSourceErrors(result, this.opts.store);
    if (summary !== this.lastSourceErrors) {
      if (summary !== '')
        this.opts.events.record({ type: 'Warning', reason: 'SourceError', message: summary });
      else if (this.lastSourceErrors !== '')
        this.opts.events.record({
          type: 'Normal',
          reason: 'SourceLoaded',
          message: 'the desired state loads cleanly again',
        });
      this.lastSourceErrors = summary;
    }
  }

  /** The last pass's load errors in one line ('' when it loaded cleanly). */
  get errors(): string {
    return this.lastSourceErrors;
  }
}
