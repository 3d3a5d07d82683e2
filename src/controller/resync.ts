// The resync trigger: every resyncMs (±10% jitter, so several tends on one machine do not probe in
// step) the loop queues the whole desired state again, which catches whatever no event reported.
export class Resync {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly baseMs: number,
    private readonly tick: () => void,
  ) {}

  /** Arms the next tick; each tick re-arms itself until stop(). */
  schedule(): void {
    if (this.stopped) return;
    const delay = Math.round(this.baseMs * (0.9 + Math.random() * 0.2));
    this.timer = setTimeout(() => {
      this.tick();
      this.schedule();
    }, delay);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }
}
