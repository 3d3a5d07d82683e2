// tend's command-line entry: dispatch to one file per command. The only place that exits.
import { readFileSync } from 'node:fs';
import { asTendError } from '../errors/catalogue.js';
import type { CliIO, Command } from './io.js';
import { didYouMean } from './suggest.js';

/** package.json's version: dist/src/cli/main.js sits three levels below it. */
function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * A reader that goes away (`tend status --watch | head`) is not an error: stop quietly, with the
 * exit status a shell expects from a broken pipe, instead of an unhandled 'error' stack trace.
 */
function quietOnBrokenPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  validate: {
    summary: 'check the desired state and list every error',
    load: async () => (await import('./validate.js')).validateCommand,
  },
  reconcile: {
    summary: 'apply the desired state (--plan: only show what would change)',
    load: async () => (await import('./reconcile.js')).reconcileCommand,
  },
  serve: {
    summary: 'run the controller: watch, reconcile, heal, serve the API',
    load: async () => (await import('./serve.js')).serveCommand,
  },
  status: {
    summary: 'show resource status and recent events',
    load: async () => (await import('./status.js')).statusCommand,
  },
  terminal: {
    summary: 'terminal open|token <name>: print a one-time login link, or the token, for a Terminal',
    load: async () => (await import('./terminal.js')).terminalCommand,
  },
  source: {
    summary: 'source refresh|pin <commit>|unpin|status: drive the git source of a running tend serve',
    load: async () => (await import('./source.js')).sourceCommand,
  },
  fleet: {
    summary: "fleet status --hosts-file FILE: one table of every host's revision, phases and last error",
    load: async () => (await import('./fleet.js')).fleetCommand,
  },
  advise: {
    summary: 'advise Pool/<name>: suggest pm.maxChildren from measured worker memory (changes nothing)',
    load: async () => (await import('./advise.js')).adviseCommand,
  },
  job: {
    summary: 'job run <name> [--wait]: start a run of a Job now in the running daemon, print its id',
    load: async () => (await import('./job.js')).jobCommand,
  },
  logs: {
    summary:
      'logs Kind/<name> [-f] [--instance N] [--since 10m] [--tail 100]: log lines from the running daemon',
    load: async () => (await import('./logs.js')).logsCommand,
  },
  restart: {
    summary: 'restart Program/<name> [--instance N]: restart a native Program in the running daemon',
    load: async () => (await import('./control.js')).controlCommand('restart'),
  },
  stop: {
    summary: 'stop Program/<name> [--instance N]: stop it until `tend start` (survives resyncs and restarts)',
    load: async () => (await import('./control.js')).controlCommand('stop'),
  },
  start: {
    summary: 'start Program/<name> [--instance N]: start what `tend stop` stopped',
    load: async () => (await import('./control.js')).controlCommand('start'),
  },
  reload: {
    summary: 'reload Site/<name>|Pool/<name>: reload its nginx or php-fpm master',
    load: async () => (await import('./control.js')).controlCommand('reload'),
  },
  suspend: {
    summary: 'suspend Kind/<name>: stop reconciling it (drift is only reported)',
    load: async () => (await import('./control.js')).controlCommand('suspend'),
  },
  resume: {
    summary: 'resume [Kind/<name>]: reconcile a suspended resource again, or the paused daemon',
    load: async () => (await import('./control.js')).controlCommand('resume'),
  },
  pause: {
    summary: 'pause: the running daemon applies nothing until `tend resume` (plans still preview)',
    load: async () => (await import('./control.js')).controlCommand('pause'),
  },
  import: {
    summary:
      'import --out DIR | --dry-run: desired state (adopt: true) for the vhosts, pools and programs a host runs',
    load: async () => (await import('./import.js')).importCommand,
  },
  schema: {
    summary: 'print the JSON Schema of tend/v1 resources',
    load: async () => (await import('./schema.js')).schemaCommand,
  },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`);
  return `usage: tend <command> [options]\n\ncommands:\n${lines.join('\n')}\n`;
}

async function main(argv: string[]): Promise<number> {
  const io: CliIO = {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    cwd: process.cwd(),
    env: process.env,
    isTTY: Boolean(process.stdout.isTTY),
  };
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V' || name === 'version') {
    io.stdout(`tend ${version()}\n`);
    return 0;
  }
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(usage());
    return name ? 0 : 1;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr(`tend: unknown command "${name}"${didYouMean(name, Object.keys(COMMANDS))}\n${usage()}`);
    return 1;
  }
  try {
    return await (
      await command.load()
    )(rest, io);
  } catch (err) {
    const e = asTendError(err);
    io.stderr(`tend ${name}: ${e.code}: ${e.message}\n`);
    return 1;
  }
}

quietOnBrokenPipe(process.stdout);
quietOnBrokenPipe(process.stderr);
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`tend: internal error: ${String(err)}\n`);
    process.exitCode = 1;
  },
);
