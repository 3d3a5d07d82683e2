// Webhook deliveries for hosts without Prometheus (`tend serve --notify-webhook URL`, repeatable):
// one POST per URL per pass with every notification of that pass, in the background, retried with
// capped exponential backoff, and a capped queue per URL (the oldest are dropped and counted).
// A pass only enqueues: a slow or dead receiver never delays reconciling.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { hostname } from 'node:os';

export interface Notification {
  /** PhaseChanged, CrashLoop, ChangeHeld, SourceFailed. */
  type: string;
  key?: string;
  from?: string;
  to?: string;
  message: string;
  time: string;
}

export interface WebhookOptions {
  /** Attempts per batch, the first included (default 6). */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Notifications waiting per URL at most; older ones are dropped (default 1000). */
  maxQueued?: number;
  /** Notifications per POST at most (default 200). */
  maxBatch?: number;
  timeoutMs?: number;
  /** Told about a failed or given-up delivery (the daemon logs it). */
  onError?: (url: string, message: string) => void;
}

/** Where a webhook goes, for logs: the origin only (a path may hold the receiver's secret). */
export const webhookOrigin = (url: string): string => new URL(url).origin;

export function post(url: string, body: string, timeoutMs: number): Promise<number> {
  const u = new URL(url);
  const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      u,
      {
        method: 'POST',
        agent: false,
        timeout: timeoutMs,
        headers: { 'Content-Type': 'application/json', 'User-Agent': 'tend-notify' },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

class Target {
  queue: Notification[] = [];
  dropped = 0;
  busy = false;
  timer: NodeJS.Timeout | undefined;
  constructor(readonly url: string) {}
}

export class WebhookNotifier {
  private readonly targets: Target[];
  private readonly o: Required<Omit<WebhookOptions, 'onError'>> & Pick<WebhookOptions, 'onError'>;
  private stopped = false;
  /** Counts for tests and /metrics: POSTs answered 2xx, and batches given up. */
  delivered = 0;
  gaveUp = 0;

  constructor(urls: readonly string[], opts: WebhookOptions = {}) {
    this.targets = urls.map((u) => new Target(u));
    this.o = {
      maxAttempts: opts.maxAttempts ?? 6,
      baseDelayMs: opts.baseDelayMs ?? 1_000,
      maxDelayMs: opts.maxDelayMs ?? 60_000,
      maxQueued: opts.maxQueued ?? 1_000,
      maxBatch: opts.maxBatch ?? 200,
      timeoutMs: opts.timeoutMs ?? 10_000,
      ...(opts.onError ? { onError: opts.onError } : {}),
    };
  }

  /** Queues one pass's notifications and starts their delivery; returns at once. */
  send(batch: readonly Notification[]): void {
    if (batch.length === 0 || this.stopped) return;
    for (const t of this.targets) {
      t.queue.push(...batch);
      const over = t.queue.length - this.o.maxQueued;
      if (over > 0) {
        t.queue.splice(0, over);
        t.dropped += over;
      }
      if (!t.busy) void this.deliver(t, 1);
    }
  }

  private async deliver(t: Target, attempt: number): Promise<void> {
    if (this.stopped || t.queue.length === 0) return;
    t.busy = true;
    const items = t.queue.slice(0, this.o.maxBatch);
    const body = JSON.stringify({
      source: 'tend',
      host: hostname(),
      sentAt: new Date().toISOString(),
      ...(t.dropped > 0 ? { dropped: t.dropped } : {}),
      notifications: items,
    });
    let problem: string | undefined;
    try {
      const status = await post(t.url, body, this.o.timeoutMs);
      if (status < 200 || status >= 300) problem = `answered HTTP ${status}`;
    } catch (err) {
      problem = (err as Error).message;
    }
    if (problem === undefined) {
      this.delivered++;
      t.queue.splice(0, items.length);
      t.dropped = 0;
      t.busy = false;
      if (t.queue.length > 0) void this.deliver(t, 1);
      return;
    }
    if (attempt >= this.o.maxAttempts) {
      this.gaveUp++;
      this.o.onError?.(webhookOrigin(t.url), `gave up after ${attempt} attempts: ${problem}`);
      t.queue.splice(0, items.length);
      t.dropped += items.length;
      t.busy = false;
      if (t.queue.length > 0) void this.deliver(t, 1);
      return;
    }
    this.o.onError?.(webhookOrigin(t.url), `attempt ${attempt} failed: ${problem}`);
    const delay = Math.min(this.o.maxDelayMs, this.o.baseDelayMs * 2 ** (attempt - 1));
    t.timer = setTimeout(() => void this.deliver(t, attempt + 1), delay);
    t.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.targets) if (t.timer) clearTimeout(t.timer);
  }
}
