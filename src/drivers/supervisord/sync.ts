// Brings supervisord's running groups in line with the program files on disk, touching only the
// groups tend names: supervisorctl update would restart every group whose file changed, tend's or not.
import { FAULT, faultCodeOf, type SupervisordClient } from './client.js';

export interface SupervisordChanges {
  added: string[];
  changed: string[];
  removed: string[];
}

export interface SyncOptions {
  /** How long a group stop may block (its stopwaitsecs plus margin). */
  stopTimeoutMs?: number;
}

export interface SyncResult {
  /** What supervisord's reloadConfig reported, for all groups. */
  diff: SupervisordChanges;
  /** Per group, what was done: "added", "replaced", "removed" or "in sync". */
  actions: Record<string, 'added' | 'replaced' | 'removed' | 'in sync'>;
}

/** Runs `fn` and swallows the listed faults, which mean the wanted end state already holds. */
async function tolerate(fn: () => Promise<unknown>, ...codes: number[]): Promise<void> {
  try {
    await fn();
  } catch (err) {
    const code = faultCodeOf(err);
    if (code === undefined || !codes.includes(code)) throw err;
  }
}

async function stopAndRemove(client: SupervisordClient, group: string, stopTimeoutMs: number): Promise<void> {
  // stopProcessGroup reports per-process failures in its result, not as a fault.
  await tolerate(() => client.stopProcessGroup(group, true, stopTimeoutMs), FAULT.BAD_NAME);
  await tolerate(() => client.removeProcessGroup(group), FAULT.BAD_NAME);
}

/**
 * Called after the executor wrote or removed the program files. Which groups to act on comes from
 * supervisord's own diff (reloadConfig), restricted to the names tend passes: that makes a repeat
 * after a crash at any step converge, and leaves every other group, running or edited, untouched.
 */
export async function syncSupervisord(
  client: SupervisordClient,
  changed: SupervisordChanges,
  opts: SyncOptions = {},
): Promise<SyncResult> {
  const stopTimeoutMs = opts.stopTimeoutMs ?? 120_000;
  const diff = await client.reloadConfig();
  const wanted = [...new Set([...changed.added, ...changed.changed, ...changed.removed])].sort();
  const actions: SyncResult['actions'] = {};
  for (const group of wanted) {
    if (diff.removed.includes(group)) {
      await stopAndRemove(client, group, stopTimeoutMs);
      actions[group] = 'removed';
    } else if (diff.changed.includes(group)) {
      await stopAndRemove(client, group, stopTimeoutMs);
      await tolerate(() => client.addProcessGroup(group), FAULT.ALREADY_ADDED);
      actions[group] = 'replaced';
    } else if (diff.added.includes(group)) {
      await tolerate(() => client.addProcessGroup(group), FAULT.ALREADY_ADDED);
      actions[group] = 'added';
    } else {
      actions[group] = 'in sync';
    }
  }
  return { diff, actions };
}
