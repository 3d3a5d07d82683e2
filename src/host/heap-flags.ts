// The V8 flag a long-lived `tend serve` runs with, set at run time and set again whenever V8 may have
// put it back. Under the first pass V8 doubles the young generation to 32 MB and never returns it (a
// fifth of the daemon's resident memory at 1,000 Sites + Pools); a growth factor of 1 keeps it at its
// starting size. It has no effect on the command line (V8 raises it to its floor of 2 when it makes
// a heap), and for the same reason every new isolate (a Worker) resets it process-wide (0051).
import { setFlagsFromString } from 'node:v8';

let daemon = false;

function apply(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}

/** Called by `tend serve` before its first pass; one-shot commands exit instead and keep V8's default. */
export function useDaemonHeapFlags(): void {
  daemon = true;
  apply();
}

/** Called once a Worker started (its isolate reset the flag); a no-op outside the daemon. */
export function restoreHeapFlags(): void {
  if (daemon) apply();
}
