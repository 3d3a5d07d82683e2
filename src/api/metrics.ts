// The /metrics registry (prom-client): pass counters and a cumulative pass histogram observed as
// passes end, gauges read from the controller at scrape time, and Node's process metrics.
// Every series is documented in docs/metrics.md (a test checks the document against live output).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { KINDS, type Kind } from '../model/index.js';
import { PHASES } from '../state/conditions.js';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Seconds: from a quick no-op pass to a slow apply with validation gates and reloads. */
export const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300] as const;

/**
 * How often the event-loop lag histogram samples (ms). Each sample is a timer wake-up of the
 * daemon's loop for its whole life, about 0.13 ms of CPU here: prom-client's default of 10 ms cost
 * 0.55 % of a core on its own (0052), 100 ms still 0.13 % (0053). The lag worth seeing in tend is a
 * pass or a probe round holding the loop: one of 500 ms or more is always recorded, and a shorter
 * one in proportion to its length, so the maximum and the upper percentiles still show it.
 */
export const EVENT_LOOP_SAMPLE_MS = 500;

/** One resource as the gauges see it: names only, never pids or paths (bounded cardinality). */
export interface MetricsResource {
  kind: Kind;
  name: string;
  phase: string;
  /** The last applied revision ('' when none yet). */
  revision?: string;
  /** The Healthy condition: true/false when probed, undefined when not probed or unknown. */
  healthy?: boolean;
}

/** What the scrape-time gauges read; the controller supplies it (see Controller.metrics). */
export interface MetricsState {
  queueDepth: number;
  resources: readonly MetricsResource[];
  /** Restarts per Program as the supervisor counts them now (may restart from 0 when re-created). */
  programRestarts: Readonly<Record<string, number>>;
}

const EMPTY: MetricsState = { queueDepth: 0, resources: [], programRestarts: {} };

/** Who this daemon is in a fleet (`tend_info`, `tend_source_ready`); `tend serve` supplies it. */
export interface HostInfo {
  /** --host-name. */
  host: string;
  /** The revision of the desired state last planned from ('' when none is known). */
  revision: string;
  /** Whether the desired-state source is usable (git: SourceReady); undefined when not known yet. */
  sourceReady?: boolean;
  /** Where the desired state comes from: a `--git` repository or a directory. */
  source: 'git' | 'directory';
}

export interface TendMetricsOptions {
  /** Node's process metrics (CPU, RSS, open fds, event-loop lag…); on unless a test turns them off. */
  processMetrics?: boolean;
}

/**
 * One registry per controller. Other parts register their own series on `registry` (e.g.
 * `new Gauge({ name: 'tend_fpm_…', registers: [metrics.registry], collect() {…} })`) and document
 * them in docs/metrics.md.
 */
export class TendMetrics {
  readonly registry = new Registry();
  private state: () => MetricsState = () => EMPTY;
  private info: () => HostInfo = () => ({ host: '', revision: '', source: 'directory' });
  /** The last restart count seen per Program, to turn the supervisor's count into counter increments. */
  private readonly restartsSeen = new Map<string, number>();
  private readonly passDuration: Histogram;
  private readonly passes: Counter<'result'>;

  constructor(opts: TendMetricsOptions = {}) {
    const registers = [this.registry];
    const read = () => this.state();
    this.passDuration = new Histogram({
      name: 'tend_reconcile_duration_seconds',
      help: 'Duration of reconcile passes in seconds.',
      buckets: [...DURATION_BUCKETS],
      registers,
    });
    this.passes = new Counter({
      name: 'tend_reconcile_passes_total',
      help: 'Reconcile passes that ended, by result (success: the pass ran; failure: it failed as a whole).',
      labelNames: ['result'],
      registers,
    });
    for (const result of ['success', 'failure']) this.passes.inc({ result }, 0);

    new Gauge({
      name: 'tend_queue_depth',
      help: 'Resources waiting in or running from the work queue.',
      registers,
      collect() {
        this.set(read().queueDepth);
      },
    });
    new Gauge({
      name: 'tend_resources',
      help: 'Resources by kind and phase (every kind and phase present, zeros included).',
      labelNames: ['kind', 'phase'],
      registers,
      collect() {
        const counts = new Map<string, number>();
        for (const kind of KINDS) for (const phase of PHASES) counts.set(`${kind}/${phase}`, 0);
        for (const r of read().resources)
          counts.set(`${r.kind}/${r.phase}`, (counts.get(`${r.kind}/${r.phase}`) ?? 0) + 1);
        this.reset();
        for (const [id, n] of counts) {
          const [kind = '', phase = ''] = id.split('/');
          this.set({ kind, phase }, n);
        }
      },
    });
    new Gauge({
      name: 'tend_resource_info',
      help: 'One series per resource tend knows, value 1, with its phase and last applied revision; a deleted resource leaves.',
      labelNames: ['kind', 'name', 'phase', 'revision'],
      registers,
      collect() {
        this.reset();
        for (const r of read().resources)
          this.set({ kind: r.kind, name: r.name, phase: r.phase, revision: r.revision ?? '' }, 1);
      },
    });
    new Gauge({
      name: 'tend_probe_success',
      help: 'Whether the last health probe of a resource succeeded (1) or failed (0); absent while not probed.',
      labelNames: ['kind', 'name'],
      registers,
      collect() {
        this.reset();
        for (const r of read().resources)
          if (r.healthy !== undefined) this.set({ kind: r.kind, name: r.name }, r.healthy ? 1 : 0);
      },
    });
    const info = () => this.info();
    new Gauge({
      name: 'tend_info',
      help: "Always 1, labelled with this host's name in the fleet and the revision it last planned from.",
      labelNames: ['host', 'revision'],
      registers,
      collect() {
        const { host, revision } = info();
        this.reset();
        this.set({ host, revision }, 1);
      },
    });
    new Gauge({
      name: 'tend_source_ready',
      help: 'Whether the desired-state source is usable (git: the SourceReady condition); absent until known.',
      // Labelled so that "not known yet" can be absent (an unlabelled gauge always exposes a value).
      labelNames: ['source'],
      registers,
      collect() {
        const { sourceReady, source } = info();
        this.reset();
        if (sourceReady !== undefined) this.set({ source }, sourceReady ? 1 : 0);
      },
    });
    const seen = this.restartsSeen;
    new Counter({
      name: 'tend_program_restarts_total',
      help: 'Restarts of supervised Programs since tend started.',
      labelNames: ['program'],
      registers,
      collect() {
        const now = read().programRestarts;
        for (const [program, count] of Object.entries(now)) {
          const before = seen.get(program);
          // A count below the last one means the supervisor started counting afresh (a re-created Program).
          const delta = before === undefined || count < before ? count : count - before;
          this.inc({ program }, delta);
          seen.set(program, count);
        }
        // A Program that is gone leaves the exposition (its series ends, as a deleted resource must).
        for (const program of [...seen.keys()])
          if (!(program in now)) {
            seen.delete(program);
            this.remove({ program });
          }
      },
    });
    if (opts.processMetrics !== false)
      collectDefaultMetrics({
        register: this.registry,
        eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS,
      });
  }

  /** Where the scrape-time gauges read from. */
  readFrom(state: () => MetricsState): void {
    this.state = state;
  }

  /** Where tend_info and tend_source_ready read from. */
  readInfoFrom(info: () => HostInfo): void {
    this.info = info;
  }

  /** Records a finished pass: the histogram and the counter only ever grow. */
  observePass(seconds: number, ok: boolean): void {
    if (Number.isFinite(seconds) && seconds >= 0) this.passDuration.observe(seconds);
    this.passes.inc({ result: ok ? 'success' : 'failure' });
  }

  /** The text exposition (format 0.0.4). */
  exposition(): Promise<string> {
    return this.registry.metrics();
  }
}
