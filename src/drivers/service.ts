// A service tend validates and reloads (nginx, one php-fpm per version, supervisord). The executor
// only speaks this interface, so both profiles and every backend share one apply path.
import type { ServiceId } from '../model/service.js';

export interface ReloadOptions {
  restart?: boolean;
  validated?: boolean;
}

export interface ValidationResult {
  ok: boolean;
  /** The validator's own message (e.g. nginx -t's stderr), shown in status on failure. */
  message: string;
  /** Files the validator named as failing, when it says (nginx: "in /path/x.conf:12"). */
  failingFiles: string[];
}

export interface ReloadResult {
  /** How the reload was done ("SIGHUP to 1234", "systemctl reload nginx", "started"). */
  method: string;
  durationMs: number;
}

/** A change as a preflight sees it: the files it would write, before anything is written. */
export interface PreflightChange {
  key: string;
  files: readonly { path: string; content: string }[];
}

export interface PreflightRefusal {
  /** A TEND_ERR_* code, e.g. TEND_ERR_PORT_IN_USE. */
  code: string;
  message: string;
  /**
   * The address refused (`unix:/run/x.sock`, `127.0.0.1:9000`) when others point at it: a vhost
   * whose fastcgi_pass names it is held back with it, so nginx is never sent to a foreign server.
   */
  address?: string;
}

export interface ServiceDriver {
  readonly id: ServiceId;
  /** Start the service if tend runs it (embedded) and it is not running; adopt a running one. */
  ensureRunning(): Promise<void>;
  /** Validate the whole config on disk, with the same prefix and config the live service uses. */
  validate(): Promise<ValidationResult>;
  /**
   * Validate only these changed files inside the service's real context (nginx: the main config
   * with just these vhosts); undefined when the service cannot scope a check (then validate()).
   */
  validateScoped?(files: readonly string[]): Promise<ValidationResult | undefined>;
  /**
   * Reload (or restart when `restart` is true) and verify it took effect; throws TendError on failure.
   * A reload validates first, unless `validated` says the caller's gate just validated exactly the
   * files on disk (a second `nginx -t` over 1,000 vhosts costs ~300 ms and proves nothing new).
   */
  reload(opts?: ReloadOptions): Promise<ReloadResult>;
  /**
   * ensureRunning that says what it did: a master found dead is restarted after the workers it left
   * behind (still holding its sockets) are stopped. Returns 'running' when the master was alive.
   */
  heal?(): Promise<string>;
  /** Whether the service is running now (by pid file plus process start time). */
  isRunning(): Promise<boolean>;
  stop(): Promise<void>;
  /**
   * Checks the validator cannot make (nginx -t never binds a port), run before any file is written:
   * the keys of changes that would break the live service, each with a message naming why.
   */
  preflight?(changes: readonly PreflightChange[]): Promise<Map<string, PreflightRefusal>>;
  /** Told which resources' files changed before reload(), for backends that reload per group (supervisord). */
  noteChanges?(changes: readonly { name: string; action: 'create' | 'update' | 'delete' }[]): void;
}
