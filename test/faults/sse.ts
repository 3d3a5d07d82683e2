// Collects a daemon's live event stream (GET /v1/events) as parsed events, for fault and attack
// tests that must see what tend reported even while it cannot write events.jsonl.
export interface StreamedEvent {
  type: string;
  reason: string;
  message: string;
  key?: string;
  /** A StatusChanged event's new phase. */
  phase?: string;
}

export interface EventStream {
  events: StreamedEvent[];
  /** Everything received, raw: for "never echoed" checks. */
  raw(): string;
  close(): void;
}

export async function openEventStream(apiPort: number): Promise<EventStream> {
  const controller = new AbortController();
  const response = await fetch(`http://127.0.0.1:${apiPort}/v1/events?as=message`, {
    signal: controller.signal,
  });
  const events: StreamedEvent[] = [];
  let raw = '';
  let pending = '';
  let resolveConnected!: () => void;
  const connected = new Promise<void>((r) => (resolveConnected = r));
  void (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      const text = decoder.decode(chunk, { stream: true });
      raw += text;
      pending += text;
      if (raw.includes(': connected')) resolveConnected();
      let end: number;
      while ((end = pending.indexOf('\n\n')) >= 0) {
        const frame = pending.slice(0, end);
        pending = pending.slice(end + 2);
        for (const line of frame.split('\n'))
          if (line.startsWith('data: ')) events.push(JSON.parse(line.slice(6)) as StreamedEvent);
      }
    }
  })().catch(() => undefined);
  await connected;
  return { events, raw: () => raw, close: () => controller.abort() };
}
