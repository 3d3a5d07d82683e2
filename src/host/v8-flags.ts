// The V8 flags of a long-lived `tend serve`, set at run time (0051):
// - A growth factor of 1 keeps the young generation at its starting size: 8 MB from bin/tend's
//   shebang (0056), 1 MB without it. Under the first pass V8 doubles it up to 32 MB and never
//   gives it back, a fifth of the daemon's resident memory at 1,000 Sites + Pools.
// - No memory reducer: at idle it ran two extra full collections a minute (concurrent marking of
//   the whole heap on V8's helper threads) to give back what the heap trim (cli/heap-trim.ts)
//   already gives back after a big pass. Set here it did not stop them (0055); bin/tend's shebang
//   passes it on node's command line too, with the young generation's starting size (0056).
// - No optimizing compiler (TurboFan): an idle daemon recompiled ~130 functions a minute on V8's
//   helper threads (the same functions, pass after pass) and kept their code and compile zones
//   resident, while its passes wait on nginx, php-fpm and the disk, not on JavaScript: edits, the
//   first pass and API latency measured the same without it, idle CPU and memory lower.
// On the command line V8 raises a growth factor below 2 to its floor when it makes a heap, and for
// the same reason every new isolate (a Worker) resets it process-wide: the daemon starts none.
// One-shot commands keep V8's other defaults: a cold `tend reconcile --plan` is JavaScript-bound.
import { setFlagsFromString } from 'node:v8';

const DAEMON_FLAGS = ['--semi-space-growth-factor=1', '--no-memory-reducer', '--no-opt'];

/** Called by `tend serve` before its first pass. */
export function useDaemonV8Flags(): void {
  for (const flag of DAEMON_FLAGS) setFlagsFromString(flag);
}
