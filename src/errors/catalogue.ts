// The one catalogue of tend's errors: every failure has a TEND_ERR_* code and one of three kinds
// that tell the control loop what to do (config: stall until the spec changes; transient: retry
// with backoff; internal: a bug in tend, say so).

export type ErrorKind = 'config' | 'transient' | 'internal';

export const ERROR_CODES = {
  TEND_ERR_YAML_SYNTAX: { kind: 'config', summary: 'the file is not valid YAML' },
  TEND_ERR_SCHEMA: { kind: 'config', summary: 'a resource does not match its schema' },
  TEND_ERR_ENVELOPE: { kind: 'config', summary: 'a document is not a tend resource' },
  TEND_ERR_DUPLICATE: { kind: 'config', summary: 'two resources claim the same name, domain or port' },
  TEND_ERR_DOMAIN_CONFLICT: {
    kind: 'config',
    summary: 'a vhost tend does not manage already serves the domain on the same listen socket',
  },
  TEND_ERR_REFERENCE: { kind: 'config', summary: 'a reference names a resource that does not exist' },
  TEND_ERR_CYCLE: { kind: 'config', summary: 'references form a cycle' },
  TEND_ERR_PHP_MISSING: { kind: 'config', summary: 'the PHP version is not installed on this host' },
  TEND_ERR_UNSAFE_VALUE: {
    kind: 'config',
    summary: 'a value could inject into a config file or command line',
  },
  TEND_ERR_NOT_OWNED: { kind: 'config', summary: 'a file at a managed path is not managed by tend' },
  TEND_ERR_MASS_DELETE: { kind: 'config', summary: 'the plan deletes too many resources' },
  TEND_ERR_SYMLINK_REFUSED: {
    kind: 'config',
    summary: 'a desired-state file is a symlink that leads outside the desired-state directory',
  },
  TEND_ERR_SOURCE_UNREADABLE: { kind: 'transient', summary: 'the desired-state directory cannot be read' },
  TEND_ERR_VALIDATION_FAILED: { kind: 'config', summary: "the service's validator rejected the config" },
  TEND_ERR_RELOAD_FAILED: { kind: 'transient', summary: 'a service reload did not take effect' },
  TEND_ERR_SERVICE_START: { kind: 'transient', summary: 'a service could not be started' },
  TEND_ERR_HEALTH: { kind: 'transient', summary: 'a health probe failed' },
  TEND_ERR_PORT_EXHAUSTED: { kind: 'transient', summary: 'no free port is left in the range' },
  TEND_ERR_PORT_IN_USE: {
    kind: 'transient',
    summary: 'a port a resource listens on is held by another process',
  },
  TEND_ERR_SOCKET_IN_USE: {
    kind: 'transient',
    summary: 'a unix socket a Pool listens on is held by a process tend does not manage',
  },
  TEND_ERR_SPAWN: { kind: 'transient', summary: 'a process could not be started' },
  TEND_ERR_USER_UNKNOWN: { kind: 'config', summary: 'a user or group does not exist on this host' },
  TEND_ERR_COMMAND_NOT_FOUND: {
    kind: 'config',
    summary: "a Program's or Job's command is not an executable on its user's PATH",
  },
  TEND_ERR_ROOT_REFUSED: { kind: 'config', summary: 'running as root needs an explicit allowRoot' },
  TEND_ERR_NOT_TRAVERSABLE: {
    kind: 'config',
    summary: "a directory above a Site root or tend's socket dir cannot be entered by nginx's worker user",
  },
  TEND_ERR_OUTSIDE_WEB_BASE: {
    kind: 'config',
    summary: "a tenant's path lies outside the web bases, or in a system or tend's own directory",
  },
  TEND_ERR_LOCKED: { kind: 'transient', summary: 'another tend holds the lock for this root' },
  TEND_ERR_USAGE: { kind: 'config', summary: 'the command line is not valid' },
  TEND_ERR_AUTH: { kind: 'config', summary: 'a token is required' },
  TEND_ERR_NOT_FOUND: { kind: 'config', summary: 'no such resource' },
  TEND_ERR_JOB_BUSY: {
    kind: 'transient',
    summary: 'a Job with concurrency forbid already has a run in progress',
  },
  TEND_ERR_SUPERVISORD: { kind: 'transient', summary: 'supervisord refused or failed a call' },
  TEND_ERR_INTERNAL: { kind: 'internal', summary: 'a bug in tend' },
  TEND_ERR_USER_SWITCH: { kind: 'config', summary: 'switching to another user needs tend to run as root' },
  TEND_ERR_UNSUPPORTED: { kind: 'config', summary: 'the chosen backend cannot express this setting' },
  TEND_ERR_SOURCE_LIMIT: {
    kind: 'config',
    summary: 'a desired-state file is too large or holds too many documents',
  },
  TEND_ERR_SOURCE_REVISION: {
    kind: 'config',
    summary: 'a git revision does not validate, so it is neither applied nor pinned',
  },
  // Transient, not config: no spec change can repair a state file, and a repaired one must be
  // picked up by the next attempt (the failed pass backs off, capped at the resync interval).
  TEND_ERR_STATE_CORRUPT: {
    kind: 'transient',
    summary: 'a state file is unreadable; tend changes nothing rather than forget what it owns',
  },
  TEND_ERR_STATE_OWNERSHIP: {
    kind: 'config',
    summary: "one of tend's own paths is owned by another user or writable by others",
  },
  TEND_ERR_DISK_FULL: { kind: 'transient', summary: 'no space (or quota) left on the device being written' },
  TEND_ERR_DEPENDENCY_PENDING: {
    kind: 'transient',
    summary: 'a resource waits for another one (e.g. a Program port not yet allocated)',
  },
  TEND_ERR_SHUTTING_DOWN: { kind: 'transient', summary: 'tend is stopping; the request was not run' },
  TEND_ERR_TOO_MANY: { kind: 'transient', summary: 'a limit on concurrent connections was reached' },
} as const satisfies Record<string, { kind: ErrorKind; summary: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class TendError extends Error {
  readonly code: ErrorCode;
  readonly kind: ErrorKind;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'TendError';
    this.code = code;
    this.kind = ERROR_CODES[code].kind;
    this.details = details;
  }
}

/** Wraps anything thrown into a TendError; unknown throwables are bugs, so they are internal. */
export function asTendError(err: unknown): TendError {
  if (err instanceof TendError) return err;
  const errno = err as NodeJS.ErrnoException | undefined;
  // A full disk is the host's condition, not a bug: transient, named by the path that failed.
  if (errno?.code === 'ENOSPC' || errno?.code === 'EDQUOT') {
    const where = errno.path ?? 'a file';
    return new TendError(
      'TEND_ERR_DISK_FULL',
      `expected to write ${where}, got ${errno.code} (${errno.code === 'ENOSPC' ? 'no space left on the device' : 'disk quota exceeded'}); ` +
        'tend retries, and heals once space is freed',
      { path: errno.path, cause: err },
    );
  }
  const message = err instanceof Error ? err.message : String(err);
  return new TendError('TEND_ERR_INTERNAL', `internal error: ${message}`, { cause: err });
}

export function isTendError(err: unknown, code?: ErrorCode): err is TendError {
  return err instanceof TendError && (code === undefined || err.code === code);
}
