// What `tend serve` hands its control loop: the host and layout it acts on, where desired state
// comes from, and the hooks the daemon listens on. Kept apart so the loop file stays the loop.
import type { Logger } from 'pino';
import type { Host } from '../host/host.js';
import type { Layout } from '../layout/layout.js';
import type { ServiceContext } from '../drivers/index.js';
import type { EventLog } from '../state/events.js';
import type { StatusStore } from '../state/status-store.js';
import type { TendMetrics } from '../api/metrics.js';
import type { ResolveDesired } from '../pipeline/compute-plan.js';
import type { HostSlice } from '../source/host-slice.js';
import type { PassReport } from './outcomes.js';

export interface ControllerOptions {
  host: Host;
  layout: Layout;
  desiredDir: string;
  store: StatusStore;
  events: EventLog;
  log: Logger;
  resyncMs?: number;
  /** See observe/probe-policy.ts (default PROBE_MAX_AGE_MS). */
  probeMaxAgeMs?: number;
  allowMassDelete?: boolean;
  serviceContext?: Partial<ServiceContext>;
  /** Quiet time after the last file event before a batch is delivered (default DEFAULT_SETTLE_MS). */
  settleMs?: number;
  /** A git source: checkouts are immutable, so no watcher; it says when to load (resolveDesired). */
  resolveDesired?: ResolveDesired;
  /** A fleet host's slice of the tree (decision 0037); undefined: every resource. */
  hostSlice?: HostSlice;
  /** A git source's SourceReady, for tend_source_ready (a directory source: the last pass says). */
  sourceReady?: () => boolean | undefined;
  /** The registry to record into (default: a new one with Node's process metrics). */
  metrics?: TendMetrics;
  /** Start paused (`tend serve --paused`): plan, observe and report, apply nothing until resumed. */
  paused?: boolean;
  /** Told about every finished pass (webhook notifications); must not block. */
  onPass?: (report: PassReport) => void;
  /** Called after every pass, once its report is recorded (the daemon's heap trim listens). */
  afterPass?: () => void;
}
