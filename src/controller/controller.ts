// The control loop of `tend serve`: triggers (file watch, resync timer, supervisor flips, API
// requests) only enqueue keys; the work queue dedupes and backs off per key; a coalescer runs one
// whole pass for every key handed out at once; failed passes back off as a whole.
// See docs/decisions/0005-controller-loop.md and 0020-self-healing-loop.md.
import { asTendError, TendError } from '../errors/catalogue.js';
import type { ResourceKey } from '../model/index.js';
import { TendMetrics } from '../api/metrics.js';
import { PassCoalescer } from './coalesce.js';
import { affectedBy, MasterWatch } from '../runtime/masters.js';
import { registerSeries } from './metrics-state.js';
import { ALL_KEY, outcomeFor, type PassReport } from './outcomes.js';
import { PassFailures, type PassFailureState } from './pass-failures.js';
import { logPass } from './pass-log.js';
import { Rechecks } from './rechecks.js';
import { Resync } from './resync.js';
import { SourceIndex } from './source-index.js';
import { ControlsBridge } from '../controls/bridge.js';
import { Holds } from '../controls/holds.js';
import { AcmeManager } from '../acme/manager.js';
import type { JobsBridge } from '../runtime/jobs.js';
import type { ProgramsBridge } from '../runtime/programs.js';
import type { SupervisordProgramsBridge } from '../runtime/supervisord-programs.js';
import type { TerminalsBridge } from '../runtime/terminals.js';
import { RuntimeStage } from './runtime-stage.js';
import { runOnePass, type PassParts } from './pass.js';
import { ControllerSnapshot } from '../pipeline/snapshot.js';
import { watchDesiredState, watchLogging, type DesiredStateWatcher } from './watch.js';
import type { ControllerOptions } from './options.js';

export type { ControllerOptions } from './options.js';
import { WorkQueue, type Outcome } from './work-queue.js';
import type { LoadResult } from '../source/index.js';

export class Controller {
  readonly queue: WorkQueue;
  /** Programs, Terminals and Jobs: applied through their runtime drivers after the file changes. */
  readonly runtime: RuntimeStage;
  readonly programs: ProgramsBridge;
  readonly supervisordPrograms: SupervisordProgramsBridge;
  readonly terminals: TerminalsBridge;
  readonly masters: MasterWatch;
  readonly jobs: JobsBridge;
  /** Operator holds: stopped Programs, suspended resources, a paused daemon (src/controls/). */
  readonly controls: ControlsBridge;
  readonly acme: AcmeManager;
  private readonly coalescer: PassCoalescer<PassReport>;
  private watcher: DesiredStateWatcher | undefined;
  private readonly resync: Resync;
  private readonly failures: PassFailures;
  private stopping = false;
  /** Which keys each desired-state file declared at the last pass, to map file events to keys. */
  private readonly source: SourceIndex;
  /** Keys an operator asked to reconcile: the next pass probes them afresh ("*": everything). */
  private probeNext = new Set<string>();
  private readonly rechecks = new Rechecks((key) => this.queue.add(key));
  lastReport: PassReport | undefined;
  /** The load of the pass in progress, once it has planned (see `declared`). */
  private passLoad: LoadResult | undefined;
  /** The /metrics registry: passes are observed as they end, gauges read the store at scrape time. */
  readonly metrics: TendMetrics;
  /** Everything passes reuse (load memo, outcome cache, renders, inventory, leases): this daemon's own. */
  readonly snapshot = new ControllerSnapshot({ longLived: true });
  /** What a pass works with (pass.ts). */
  private readonly passParts: PassParts;

  constructor(private readonly opts: ControllerOptions) {
    this.metrics = opts.metrics ?? new TendMetrics();
    this.controls = new ControlsBridge(new Holds(opts.host, opts.layout.stateDir));
    this.resync = new Resync(opts.resyncMs ?? 30_000, () => {
      // A replacement the parent's watch missed (its parent replaced too) is caught here.
      void this.watcher?.check();
      this.queue.add(ALL_KEY);
    });
    this.source = new SourceIndex({
      desiredDir: opts.desiredDir,
      store: opts.store,
      events: opts.events,
      forget: (key) => this.queue.forget(key),
    });
    this.runtime = new RuntimeStage({
      opts,
      controls: this.controls,
      leases: this.snapshot.portLeases(opts.host, opts.layout.stateDir),
      enqueue: (key) => this.queue.add(key),
    });
    this.programs = this.runtime.programs;
    this.supervisordPrograms = this.runtime.supervisordPrograms;
    this.terminals = this.runtime.terminals;
    this.jobs = this.runtime.jobs;
    registerSeries(this.metrics, this, opts);
    this.failures = new PassFailures({
      log: opts.log,
      events: opts.events,
      resyncMs: opts.resyncMs ?? 30_000,
      retry: () => this.queue.add(ALL_KEY),
    });
    this.coalescer = new PassCoalescer(
      (keys) => this.runPass(keys),
      () => this.failures.holdMs(),
    );
    this.masters = new MasterWatch({
      host: opts.host,
      layout: opts.layout,
      events: opts.events,
      store: opts.store,
      ...(opts.serviceContext ? { serviceContext: opts.serviceContext } : {}),
      affected: (service) => affectedBy(service, this.lastReport?.result?.computed.load.resources ?? []),
      onHealed: () => this.queue.add(ALL_KEY, { immediate: true }),
    });
    this.queue = new WorkQueue({
      // Every queued key is handed out at once so they all join one pass (see coalesce.ts).
      concurrency: 100_000,
      handler: async (key) => outcomeFor(key, await this.coalescer.request(key)),
      baseDelayMs: 1_000,
      maxDelayMs: 300_000,
    });
    this.acme = new AcmeManager({
      ...opts,
      registry: this.metrics.registry,
      queue: this.queue,
      fileCerts: this.snapshot.fileCerts(opts.layout.stateDir),
    });
    this.passParts = {
      opts,
      snapshot: this.snapshot,
      controls: this.controls,
      runtime: this.runtime,
      acme: this.acme,
      masters: this.masters,
      rechecks: this.rechecks,
      source: this.source,
      onPlanned: (load) => (this.passLoad = load),
    };
  }

  /**
   * The desired state as readers must pair it with status: the running pass's load from the moment
   * it plans (before it changes any status), else the last pass's. The last report alone lags a pass
   * that already removed a deleted resource's status, and the API listed it again (decision 0047).
   */
  get declared(): LoadResult | undefined {
    return this.passLoad ?? this.lastReport?.result?.computed.load;
  }

  get passes(): number {
    return this.coalescer.started;
  }

  /** A pass is running or waiting to start. */
  get busy(): boolean {
    return this.coalescer.busy;
  }

  /** Adopts running programs, runs the first pass, then starts the watcher and the resync timer. */
  async start(): Promise<PassReport | undefined> {
    await this.controls.holds.load();
    if (this.opts.paused)
      await this.controls.holds.setPaused({ by: 'tend serve --paused', at: new Date().toISOString() });
    await this.programs.supervisor.adopt();
    const first = this.queue.nextOutcome(ALL_KEY);
    this.queue.add(ALL_KEY, { immediate: true });
    await first;
    if (this.stopping) return this.lastReport;
    if (this.opts.resolveDesired) {
      this.resync.schedule();
      return this.lastReport;
    }
    this.watcher = watchDesiredState(this.opts.desiredDir, (paths) => this.onFiles(paths), {
      ...(this.opts.settleMs !== undefined ? { settleMs: this.opts.settleMs } : {}),
      ...watchLogging(this.opts.log),
    });
    await this.watcher.ready;
    // Anything saved between the first load and the watcher's scan would be missed: look again.
    this.queue.add(ALL_KEY);
    this.resync.schedule();
    this.masters.start();
    return this.lastReport;
  }

  private onFiles(paths: string[]): void {
    const keys = this.source.keysFor(paths);
    this.opts.log.debug({ files: paths.length, keys: keys.size }, 'desired state changed');
    this.releaseBackoff();
    // A changed file un-stalls its resources: their spec may be fixed now.
    for (const key of keys) this.queue.add(key, { specChanged: true });
  }

  /** A changed spec or an operator's request may fix what failed: try a pass now, not after the wait. */
  private releaseBackoff(): void {
    this.failures.release();
    this.coalescer.poke();
  }

  /** Set while passes fail as a whole (source unreadable, state corrupt, a bug); undefined otherwise. */
  get passFailure(): PassFailureState | undefined {
    return this.failures.current;
  }

  /** Reconciles one key (or everything) now, un-stalling it, and waits for that run's outcome. */
  async reconcile(key?: ResourceKey): Promise<{ outcome: Outcome; report: PassReport | undefined }> {
    const k = key ?? ALL_KEY;
    this.probeNext.add(k);
    const next = this.queue.nextOutcome(k);
    this.releaseBackoff();
    this.queue.add(k, { immediate: true });
    const outcome = await next;
    return { outcome, report: this.lastReport };
  }

  private async runPass(keys: ReadonlySet<string>): Promise<PassReport> {
    const startedAt = Date.now();
    let report: PassReport;
    const probeNow = this.probeNext;
    this.probeNext = new Set();
    try {
      report = await runOnePass(this.passParts, keys, probeNow, startedAt);
      this.failures.succeeded();
    } catch (err) {
      const e = asTendError(err);
      this.failures.failed(e);
      report = { error: e, programErrors: new Map(), keys, startedAt, durationMs: Date.now() - startedAt };
    }
    this.metrics.observePass(report.durationMs / 1000, report.result !== undefined);
    this.lastReport = report;
    this.passLoad = undefined;
    logPass(this.opts.log, report);
    this.opts.afterPass?.();
    try {
      this.opts.onPass?.(report);
    } catch (err) {
      this.opts.log.warn({ err: asTendError(err).message }, 'pass listener failed');
    }
    return report;
  }

  get sourceErrors(): string {
    return this.source.errors;
  }

  /** Stops taking work, lets the running pass finish, then stops (or keeps) the programs. */
  async stop(opts: { keepPrograms: boolean }): Promise<void> {
    this.stopping = true;
    this.resync.stop();
    this.failures.stop();
    this.rechecks.stop();
    await this.masters.stop();
    await this.watcher?.close();
    // A pass waiting out the backoff is not started now: its waiters hear that tend is stopping.
    this.coalescer.cancelHeld(
      new TendError('TEND_ERR_SHUTTING_DOWN', 'tend is stopping; the pass was not run'),
    );
    await this.queue.stop();
    await this.runtime.stop(opts);
    await this.acme.stop();
    await this.opts.store.save().catch(() => undefined);
    await this.opts.events.flush().catch(() => undefined);
  }
}
