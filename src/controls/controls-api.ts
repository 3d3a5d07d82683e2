// The daemon's ControlsApi: an operator's restart/stop/start of a native Program's instances, a
// reload of a Site's nginx or a Pool's php-fpm, suspend/resume of one resource and pause/resume
// of the whole daemon. Stops, suspensions and the pause are saved first (controls/holds.ts), so
// they hold across passes and restarts; status and events say who asked and when.
import type { ControlAction, ControlRequest, ControlResult, ControlsApi } from '../api/control-routes.js';
import type { Controller, ControllerOptions } from '../controller/controller.js';
import { serviceRegistry } from '../pipeline/converge.js';
import { ALL_KEY } from '../controller/outcomes.js';
import { TendError } from '../errors/catalogue.js';
import type { Pool, Program, Resource, ResourceKey } from '../model/index.js';

export function controlsApi(controller: Controller, opts: ControllerOptions): ControlsApi {
  const { store, events } = opts;
  const holds = controller.controls.holds;
  const loaded = (key: ResourceKey): Resource | undefined =>
    controller.lastReport?.result?.computed.load.resources.find((r) => r.key === key)?.resource;
  const mark = (by: string) => ({ by, at: new Date().toISOString() });
  const after = (key: ResourceKey, message: string): ControlResult => {
    controller.controls.markStatus(store);
    if (key.startsWith('Program/')) controller.programs.refreshStatus(key);
    store.saveSoon();
    const status = store.get(key);
    return { ok: true, key, message, ...(status ? { status } : {}) };
  };

  async function program(op: 'stop' | 'start' | 'restart', req: ControlRequest): Promise<ControlResult> {
    const key = `Program/${req.name}` as const;
    const resource = loaded(key) as Program | undefined;
    if (!resource) throw new TendError('TEND_ERR_NOT_FOUND', `no resource ${key} in the desired state`);
    if (resource.spec.backend !== 'native')
      throw new TendError(
        'TEND_ERR_USAGE',
        `${key} runs under supervisord: restart, stop and start control native Programs; use supervisorctl`,
      );
    const count = resource.spec.instances;
    if (req.instance !== undefined && req.instance >= count)
      throw new TendError(
        'TEND_ERR_USAGE',
        `--instance: expected 0 to ${count - 1} (${key} has ${count} instance(s)); got ${req.instance}`,
      );
    const instances = req.instance !== undefined ? [req.instance] : undefined;
    const which = instances ? `instance ${req.instance}` : 'every instance';
    if (op === 'stop') await holds.stop(key, mark(req.by), instances);
    if (op === 'start') await holds.start(key, instances, count);
    const ran = await controller.programs.supervisor.control(req.name, op, instances);
    if (!ran && op !== 'stop') controller.queue.add(key, { immediate: true });
    const done = op === 'stop' ? 'stopped' : op === 'start' ? 'started' : 'restarted';
    const message = `${which} of ${key} ${done} by ${req.by}`;
    events.record({ key, type: 'Normal', reason: `Operator${op[0]!.toUpperCase()}${op.slice(1)}`, message });
    return after(key, message);
  }

  async function reload(req: ControlRequest): Promise<ControlResult> {
    const key = `${req.kind}/${req.name}` as ResourceKey;
    if (req.kind !== 'Site' && req.kind !== 'Pool')
      throw new TendError('TEND_ERR_USAGE', `reload works on a Site (nginx) or a Pool (php-fpm); got ${key}`);
    const resource = loaded(key);
    if (!resource) throw new TendError('TEND_ERR_NOT_FOUND', `no resource ${key} in the desired state`);
    const service = req.kind === 'Site' ? 'nginx' : (`php-fpm@${(resource as Pool).spec.php}` as const);
    const services = serviceRegistry({ host: opts.host, layout: opts.layout, ...opts.serviceContext });
    const r = await services(service).reload();
    const message = `${service} reloaded for ${key} by ${req.by} (${r.method}, ${r.durationMs} ms)`;
    events.record({ key, type: 'Normal', reason: 'OperatorReload', message });
    return after(key, message);
  }

  async function suspend(on: boolean, req: ControlRequest): Promise<ControlResult> {
    const key = `${req.kind}/${req.name}` as ResourceKey;
    if (req.kind === 'Job')
      throw new TendError(
        'TEND_ERR_USAGE',
        `a Job's schedule is suspended by its spec (suspend: true); got ${key}`,
      );
    if (!loaded(key) && !store.get(key)) throw new TendError('TEND_ERR_NOT_FOUND', `no resource ${key}`);
    await holds.setSuspended(key, on ? mark(req.by) : undefined);
    events.record({
      key,
      type: 'Normal',
      reason: on ? 'Suspended' : 'Resumed',
      message: `${key} ${on ? 'suspended' : 'resumed'} by ${req.by}`,
    });
    const still = !on && controller.controls.suspended().has(key);
    const message = on
      ? `${key} suspended by ${req.by}: not applied nor pruned, drift only reported`
      : still
        ? `${key} resumed by ${req.by}, but its spec still says suspend: true`
        : `${key} resumed by ${req.by}`;
    // Resuming heals the drift now (and waits for that pass); suspending only marks status.
    if (!on && !still) await controller.reconcile(key);
    return after(key, message);
  }

  return {
    async resource(action: ControlAction, req: ControlRequest): Promise<ControlResult> {
      if (action === 'reload') return reload(req);
      if (action === 'suspend' || action === 'resume') return suspend(action === 'suspend', req);
      if (req.kind !== 'Program')
        throw new TendError('TEND_ERR_USAGE', `${action} works on a Program; got ${req.kind}/${req.name}`);
      return program(action, req);
    },
    async pause(by: string): Promise<ControlResult> {
      await holds.setPaused(mark(by));
      events.record({ type: 'Normal', reason: 'Paused', message: `reconciling paused by ${by}` });
      return {
        ok: true,
        message: `paused by ${by}: passes plan and report, and apply nothing until resumed`,
      };
    },
    async resume(by: string): Promise<ControlResult> {
      const was = holds.paused !== undefined;
      await holds.setPaused(undefined);
      events.record({ type: 'Normal', reason: 'Resumed', message: `reconciling resumed by ${by}` });
      controller.queue.add(ALL_KEY, { immediate: true });
      return { ok: true, message: was ? `resumed by ${by}` : 'was not paused' };
    },
    state(): object {
      const s = holds.snapshot();
      return {
        paused: s.paused ?? null,
        suspended: {
          ...s.suspended,
          ...Object.fromEntries(
            [...controller.controls.suspended()]
              .filter((k) => !s.suspended[k])
              .map((k) => [k, { by: 'spec', at: null }]),
          ),
        },
        stopped: s.stopped,
      };
    },
  };
}
