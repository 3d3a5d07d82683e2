// `tend serve`: the daemon. Takes the root's lock, starts the control loop and the HTTP API, tells
// systemd when it is ready, and drains on the first SIGTERM/SIGINT (a second one exits at once).
import { pino, type Logger } from 'pino';
import type { CliIO, Command } from './io.js';
import { heapTrim } from './heap-trim.js';
import { useDaemonV8Flags } from '../host/v8-flags.js';
import { parseServeArgs, SERVE_USAGE, type ServeOptions } from './serve-args.js';

async function makeLogger(opts: ServeOptions, io: CliIO): Promise<Logger> {
  const base = {
    level: opts.logLevel,
    base: { pid: process.pid },
    redact: ['token', 'authorization', '*.token'],
  };
  if (!io.isTTY) return pino(base, pino.destination({ fd: 1, sync: false }));
  const { default: pretty } = await import('pino-pretty');
  return pino(
    base,
    pretty({ colorize: !io.env.NO_COLOR, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' }),
  );
}

/**
 * The token the API accepts: the operator's file, or one generated for this root (mode 0600). Our
 * own file is replaced when it cannot be used: checkOwnPaths has proven only tend could write it.
 */
async function resolveToken(opts: ServeOptions, stateDir: string): Promise<{ token: string; file: string }> {
  const { readTokenFile, writeTokenFile } = await import('../api/token.js');
  if (opts.tokenFile) return { token: await readTokenFile(opts.tokenFile), file: opts.tokenFile };
  const file = `${stateDir}/api-token`;
  try {
    return { token: await readTokenFile(file), file };
  } catch {
    const { rm } = await import('node:fs/promises');
    await rm(file, { force: true });
    return { token: await writeTokenFile(file), file };
  }
}

export async function runServe(opts: ServeOptions, io: CliIO): Promise<number> {
  useDaemonV8Flags();
  const [
    { createRealHost },
    { layoutFor },
    { acquireLock },
    { checkOwnPaths },
    { StatusStore },
    { EventLog },
    api,
    ctl,
    info,
    { controllerApiDeps },
  ] = await Promise.all([
    import('../host/real-host.js'),
    import('../layout/layout.js'),
    import('../state/lock.js'),
    import('../state/ownership.js'),
    import('../state/status-store.js'),
    import('../state/events.js'),
    import('../api/index.js'),
    import('../controller/controller.js'),
    import('../controller/daemon-info.js'),
    import('../controller/api-deps.js'),
  ]);
  const log = await makeLogger(opts, io);
  const host = createRealHost({ longLived: true });
  const layout = layoutFor(opts.profile, opts.root, {
    ...(opts.httpPort ? { httpPort: opts.httpPort } : {}),
    ...(opts.httpsPort ? { httpsPort: opts.httpsPort } : {}),
    webBases: opts.webBases,
    ...(opts.logCeiling ? { logLimits: opts.logCeiling } : {}),
  });
  // A recursive mkdir gives every new directory the mode: the root must stay traversable for nginx's workers.
  await host.fs.mkdirp(layout.root, 0o755);
  await host.fs.mkdirp(layout.stateDir, 0o700);
  // Before anything is read from them: a token or state another user could plant is never adopted.
  await checkOwnPaths(host, {
    root: layout.root,
    stateDir: layout.stateDir,
    ...(opts.tokenFile ? { tokenFile: opts.tokenFile } : {}),
  });
  // nginx's workers must reach the pool sockets under the root: refuse a 0700 parent now, not with 502s.
  const { checkOwnDirsTraversable } = await import('../observe/root-traversal.js');
  const { readAccounts } = await import('../host/accounts.js');
  await checkOwnDirsTraversable(host, layout, await readAccounts(host));
  const lock = await acquireLock(host, layout.stateDir, 'tend serve');
  let ready = false;
  try {
    const store = await StatusStore.load(host, layout.stateDir, { onCorrupt: 'reset' });
    const events = await EventLog.open(host, layout.stateDir, {
      onError: (err) => log.warn({ err: String(err) }, 'event log write failed'),
    });
    if (store.loadWarning)
      events.record({ type: 'Warning', reason: 'StatusReset', message: store.loadWarning });
    const { token, file: tokenFile } = await resolveToken(opts, layout.stateDir);
    const git = opts.git
      ? (await import('../gitsource/serve-hook.js')).gitServeHook(opts.git, {
          host,
          layout,
          events,
          log,
          hostSlice: opts.hostSlice,
        })
      : undefined;
    // The first fetch comes before the first pass, so that pass applies the branch's head.
    await git?.source.start();
    const notifier = await notifierFor(opts.notifyWebhooks, store, events, log);
    const controllerOpts = {
      ...(notifier
        ? { onPass: (report: Parameters<typeof notifier.afterPass>[0]) => notifier.afterPass(report) }
        : {}),
      host,
      layout,
      desiredDir: git ? git.source.desiredDir : opts.desiredDir,
      ...(git ? { resolveDesired: () => git.source.resolveDesired() } : {}),
      ...(git
        ? {
            sourceReady: () => {
              const status = git.source.status().conditions[0]?.status;
              return status === undefined || status === 'Unknown' ? undefined : status === 'True';
            },
          }
        : {}),
      store,
      events,
      log,
      resyncMs: opts.resyncMs,
      probeMaxAgeMs: opts.probeMaxAgeMs,
      allowMassDelete: opts.allowMassDelete,
      hostSlice: opts.hostSlice,
      ...(opts.paused ? { paused: true } : {}),
      afterPass: () => trim.afterPass(),
    };
    const controller = new ctl.Controller(controllerOpts);
    const trim = heapTrim({
      isBusy: () => controller.busy,
      log: (fields) => log.debug(fields, 'heap trimmed after a pass'),
    });
    const deps = {
      ...controllerApiDeps({ controller, opts: controllerOpts, isReady: () => ready }),
      ...(git ? { source: git.api } : {}),
    };
    const loopback = api.isLoopbackSpec(opts.listen);
    const server = api.buildServer(deps, {
      token,
      requireTokenForReads: !loopback || opts.requireReadToken,
      loopbackHostOnly: loopback,
      maxEventStreams: opts.maxEventStreams,
      // Per-request lines only when debugging: a status poller must not flood the journal.
      logger: log.child(
        { component: 'api' },
        { level: ['trace', 'debug'].includes(opts.logLevel) ? opts.logLevel : 'warn' },
      ),
    });
    const bound = await api.listen(server, opts.listen, {
      allowRemote: opts.allowRemoteApi,
      warn: (message) => log.warn({ listen: opts.listen }, message),
    });
    await info.writeDaemonInfo(host, layout.stateDir, {
      pid: process.pid,
      url: bound.url,
      tokenFile,
      since: new Date().toISOString(),
    });
    log.info(
      {
        api: bound.url,
        desiredState: git ? git.source.status().url : opts.desiredDir,
        root: layout.root,
        resyncMs: opts.resyncMs,
      },
      'tend serve starting',
    );

    let drained!: () => void;
    const stopped = new Promise<void>((r) => (drained = r));
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      signals += 1;
      if (signals > 1) {
        log.warn({ signal }, 'second signal: exiting at once');
        // The operator asked twice: nothing may hold the exit back, so this is the one exit outside main.ts.
        process.exit(130);
      }
      log.info({ signal }, 'draining: finishing the running pass, then closing the API');
      ready = false;
      void (async () => {
        await info.notifySystemd(host, 'stopping', 'draining').catch(() => undefined);
        git?.source.stop();
        await controller.stop({ keepPrograms: opts.keepPrograms });
        notifier?.stop();
        await bound.close();
        drained();
      })().catch((err) => {
        log.error({ err: String(err) }, 'drain failed');
        drained();
      });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);

    // In a function of its own: the first pass's report (every create's diff and file content at
    // 1,000 Sites) must not stay reachable from this frame for the daemon's whole life.
    const startAndAnnounce = async () => {
      const first = await controller.start();
      git?.attach(() => controller.reconcile());
      trim.afterStart();
      ready = true;
      const summary = first?.result?.computed.plan.summary;
      log.info({ durationMs: first?.durationMs, ...summary }, 'first pass done; watching for changes');
      const served = first?.result?.computed.load.resources.length ?? 0;
      await info.notifySystemd(host, 'ready', `serving ${served} resources`).catch(() => undefined);
    };
    await startAndAnnounce();
    // Embedded: tend rotates its nginx and php-fpm logs; system: it keeps logrotate's rules for them.
    const stopLogs = await (
      await import('../runtime/serve-logs.js')
    ).startServeLogs({
      host,
      layout,
      limits: opts.logRotation,
      ...(opts.logCheckMs !== undefined ? { intervalMs: opts.logCheckMs } : {}),
      resources: () => controller.lastReport?.result?.computed.load.resources.map((r) => r.resource),
      info: (fields, message) => log.info(fields, message),
      warn: (message) => log.warn(message),
    });
    await stopped;
    trim.stop();
    await stopLogs();
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    // Offline `tend status` reads Programs and Terminals as Unknown, "last seen" this moment.
    const { recordServeStopped } = await import('../state/offline-status.js');
    await recordServeStopped(host, layout.stateDir).catch(() => undefined);
    await host.fs.remove(info.apiInfoPath(layout.stateDir)).catch(() => undefined);
    log.info('tend serve stopped');
    log.flush();
    return 0;
  } finally {
    ready = false;
    await lock.release();
  }
}

export const serveCommand: Command = async (args, io) => {
  const parsed = parseServeArgs(args, io.cwd);
  if (parsed === 'help') {
    io.stdout(SERVE_USAGE);
    return 0;
  }
  return runServe(parsed, io);
};

/** The webhook notifier of `--notify-webhook`, or undefined without one. */
async function notifierFor(
  urls: readonly string[],
  store: import('../state/status-store.js').StatusStore,
  events: import('../state/events.js').EventLog,
  log: { warn: (o: object, m: string) => void },
) {
  if (urls.length === 0) return undefined;
  const { WebhookNotifier } = await import('../notify/webhook.js');
  const { PassNotifier } = await import('../notify/pass-notifier.js');
  const webhook = new WebhookNotifier(urls, {
    onError: (origin, message) => log.warn({ webhook: origin }, `webhook delivery: ${message}`),
  });
  return new PassNotifier(webhook, events, store);
}
