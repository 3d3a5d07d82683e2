// Turns each finished pass into one webhook batch: phase changes (against the phases the last pass
// left), crash loops and source failures seen in the events since, and changes newly held back
// (a change blocked pass after pass is told once, when it starts).
import type { PassReport } from '../controller/outcomes.js';
import type { EventLog, TendEvent } from '../state/events.js';
import type { StatusStore } from '../state/status-store.js';
import { eventNotes, heldNotes, phaseNotes } from './pass-notes.js';
import type { WebhookNotifier } from './webhook.js';

export class PassNotifier {
  private phases: Map<string, string>;
  private held = new Set<string>();
  private events: TendEvent[] = [];
  private readonly unsubscribe: () => void;

  constructor(
    private readonly webhook: WebhookNotifier,
    events: EventLog,
    private readonly store: StatusStore,
  ) {
    // What status said before this daemon's first pass: a restart alone notifies nothing.
    this.phases = new Map(store.list().map((s) => [s.key, s.phase]));
    this.unsubscribe = events.subscribe((e) => {
      if (this.events.length < 1_000) this.events.push(e);
    });
  }

  afterPass(report: PassReport): void {
    const time = new Date().toISOString();
    const statuses = this.store.list();
    const notes = [...phaseNotes(this.phases, statuses, time), ...eventNotes(this.events)];
    this.events = [];
    this.phases = new Map(statuses.map((s) => [s.key, s.phase]));
    const outcomes = report.result?.apply.outcomes ?? [];
    const nowHeld = heldNotes(outcomes, time);
    notes.push(...nowHeld.filter((n) => !this.held.has(n.key!)));
    this.held = new Set(nowHeld.map((n) => n.key!));
    if (!report.result && report.error !== undefined)
      notes.push({
        type: 'PassFailed',
        message: `the reconcile pass failed: ${report.error instanceof Error ? report.error.message : String(report.error)}`,
        time,
      });
    this.webhook.send(notes);
  }

  stop(): void {
    this.unsubscribe();
    this.webhook.stop();
  }
}
