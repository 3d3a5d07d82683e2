// One pass of the daemon's loop: converge (the pipeline, with this daemon's runtime stage, holds and
// master watch), a second converge when a new port lease lets a waiting Site render, then status
// written from what runs. The loop (controller.ts) decides when; this is what a pass does.
import type { AcmeManager } from '../acme/manager.js';
import type { ControlsBridge } from '../controls/bridge.js';
import { converge, type ConvergeResult } from '../pipeline/converge.js';
import type { ControllerSnapshot } from '../pipeline/snapshot.js';
import type { MasterWatch } from '../runtime/masters.js';
import type { ControllerOptions } from './options.js';
import type { PassReport } from './outcomes.js';
import type { Rechecks } from './rechecks.js';
import type { RuntimeStage } from './runtime-stage.js';
import type { SourceIndex } from './source-index.js';
import type { LoadResult } from '../source/index.js';

export interface PassParts {
  opts: ControllerOptions;
  snapshot: ControllerSnapshot;
  controls: ControlsBridge;
  runtime: RuntimeStage;
  acme: AcmeManager;
  masters: MasterWatch;
  rechecks: Rechecks;
  source: SourceIndex;
  /** Told of the load a pass acts on once it planned, before any status changes (Controller.declared). */
  onPlanned?: (load: LoadResult) => void;
}

function convergeOnce(parts: PassParts, probeNow?: ReadonlySet<string>): Promise<ConvergeResult> {
  const { opts, controls, runtime, acme, masters, rechecks } = parts;
  const { host, layout, desiredDir, store, events, allowMassDelete, serviceContext, probeMaxAgeMs } = opts;
  return converge({
    host,
    layout,
    desiredDir,
    store,
    events,
    ...(probeMaxAgeMs !== undefined ? { probeMaxAgeMs } : {}),
    ...(probeNow && probeNow.size > 0 ? { probeNow } : {}),
    ...(allowMassDelete ? { allowMassDelete } : {}),
    ...(serviceContext ? { serviceContext } : {}),
    reuseLoad: true,
    snapshot: parts.snapshot,
    beforeServiceStart: (service) =>
      /^(nginx|php-fpm@)/.test(service) ? masters.checkNow(service) : Promise.resolve(),
    ...(opts.resolveDesired ? { resolveDesired: opts.resolveDesired } : {}),
    ...(opts.hostSlice ? { hostSlice: opts.hostSlice } : {}),
    holdChanges: (computed) => controls.planToApply(computed.plan, computed.load),
    onPlanned: (computed) => parts.onPlanned?.(computed.load),
    applyRuntime: async (computed, applied) => {
      // Paused: nothing is started, rolled or stopped either.
      if (controls.paused) return;
      rechecks.schedule(await runtime.apply(computed, applied));
      await acme.apply(computed.load.resources.map((r) => r.resource));
    },
    externalHealth: (r) => runtime.health(r),
    runtimeStatus: (r, st) => runtime.statusFor(r, st),
  });
}

/** Runs one pass; throws when the pass fails as a whole (the loop backs off). */
export async function runOnePass(
  parts: PassParts,
  keys: ReadonlySet<string>,
  probeNow: ReadonlySet<string>,
  startedAt: number,
): Promise<PassReport> {
  const { opts, runtime, controls, acme, source, rechecks } = parts;
  let result = await convergeOnce(parts, probeNow);
  let programs = runtime.programsApplied;
  // A Site proxying to a `port: auto` Program renders once the port is leased: converge again now.
  const waiting = result.computed.plan.changes.some((c) => c.blocked?.code === 'TEND_ERR_DEPENDENCY_PENDING');
  if (programs.portsChanged && waiting) {
    result = await convergeOnce(parts);
    programs = runtime.programsApplied;
  }
  runtime.refreshAll();
  controls.markStatus(opts.store);
  acme.publish();
  source.note(result);
  rechecks.schedule(result.recheck);
  await opts.store.save();
  return { result, programErrors: programs.errors, keys, startedAt, durationMs: Date.now() - startedAt };
}
