// What the git source is given (GitSourceOptions) and what it reports (SourceStatus with its
// SourceReady condition), apart from the fetch-validate-switch loop in source.ts.
import type { Logger } from 'pino';
import type { LoadResult } from '../source/types.js';

export interface GitSourceOptions {
  stateDir: string;
  url: string;
  branch: string;
  /** Sub-directory of the repository holding the desired state ("" for its root). */
  path: string;
  intervalMs: number;
  sshKey?: string;
  maxBytes: number;
  /** --git-verify: an OpenPGP keyring file; only commits signed by its keys are applied. */
  verifyKeyring?: string;
  /** Apply the valid resources of a revision that does not fully validate (--partial-apply). */
  partialApply: boolean;
  /** Loads a checked-out desired-state dir the way a pass would (same rule context). */
  validate: (dir: string) => Promise<LoadResult>;
  /** Called after `current` moved; resolves when the pass that applies it finished. */
  onSwitch: (revision: string) => Promise<void>;
  /** Events for status: force-pushes, held revisions, recoveries. */
  record?: (type: 'Normal' | 'Warning', reason: string, message: string) => void;
  log: Logger;
}

export interface SourceCondition {
  type: 'SourceReady';
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
}

export interface SourceStatus {
  url: string;
  branch: string;
  path: string;
  /** The revision `current` points at: what the controller loads. */
  revision?: string;
  /** The revision last fetched from the branch. */
  lastFetchedRevision?: string;
  /** The revision last checked out and validated for applying (held when it did not validate). */
  lastAttemptedRevision?: string;
  /** Set while `tend source pin` holds a revision. */
  pinnedRevision?: string;
  lastFetchTime?: string;
  conditions: SourceCondition[];
}
