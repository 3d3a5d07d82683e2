// The runtime contract: a driver for a kind whose resources run (Programs, Terminals, Jobs) rather
// than render files a service reloads. Like a ServiceDriver for Sites and Pools, it observes what
// runs now and applies one plan change at a time: the change names the one resource to start, stop,
// roll or scale, and the driver leaves every other resource of its kind as it is.
import type { Kind, Resource, ResourceKey } from '../model/index.js';
import type { RestartVerdict, RuntimeChange } from '../plan/runtime-change.js';

/** One running (or waiting) instance as the driver sees it now, never as the plan said. */
export interface RuntimeInstance {
  index: number;
  pid: number | undefined;
  /** The backend's own state word ("running", "backoff", "exited", "listening", …). */
  state: string;
  ready: boolean;
  port: number | undefined;
  /** The spec generation this instance was started from. */
  generation: string;
}

export interface RuntimeObservation {
  key: ResourceKey;
  /** Ready, Progressing, Pending, Degraded, Failed or Completed, from observation alone. */
  phase: string;
  message: string;
  instances: RuntimeInstance[];
  /** A spec that cannot run at all (root refused, unknown user, port range exhausted). */
  error?: { code: string; message: string };
}

/**
 * What a runtime driver is handed: a plan change's key and action, the desired resource (absent for
 * a delete) and, when the plan computed one, its field diff and restart verdict.
 */
export interface RuntimeApplyChange<R extends Resource = Resource> {
  key: ResourceKey;
  action: 'create' | 'update' | 'delete' | 'no-op';
  resource?: R;
  runtime?: RuntimeChange;
}

export interface RuntimeApplyResult {
  key: ResourceKey;
  /** What the driver did to the resource's instances (the plan's verdict, when it acted on it). */
  did: RestartVerdict;
  /** Set when the spec cannot run; the other resources were not touched. */
  error?: { code: string; message: string };
}

export interface RuntimeDriver<R extends Resource = Resource> {
  readonly kind: Kind;
  /** What runs now, per resource and instance. */
  observe(): RuntimeObservation[];
  /**
   * Starts, stops, rolls or scales the one resource the change names, through the backend's own
   * machinery (one-at-a-time rollouts, dependsOn order, port leases); resolves once it settled.
   */
  apply(change: RuntimeApplyChange<R>): Promise<RuntimeApplyResult>;
}
