// Time as the controller sees it: injectable, so tests drive backoff and debounce without sleeping.
export interface Clock {
  now(): number;
}

/** The two timer calls the queue and the watcher need. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
