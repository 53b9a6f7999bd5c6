import { EventSource } from 'eventsource';
import type { FetchLike } from 'eventsource';

export type StreamState = 'connecting' | 'open' | 'ended' | 'failed';

export interface EventStreamOptions {
  /** Absolute URL of the stream (GET /ai/events or /ai/jobs/:id/events). */
  url: string;
  apiKey: string;
  /** `event:` names to listen for (status names, `position`, `reset`). */
  types: readonly string[];
  onEvent(type: string, data: unknown, id: string): void;
  onState?(state: StreamState, code?: number): void;
  /** Resume strictly after this stored event id. */
  lastEventId?: string;
  /** Wait before reopening after a refused connection (5xx, 429), in ms; doubles up to 60 s. Default 2000. */
  reopenDelayMs?: number;
  fetch?: typeof fetch;
}

export interface EventStreamHandle {
  close(): void;
}

/** Answers that retrying cannot change: the key, its scope or the resource is wrong. */
const FINAL_REFUSALS = new Set([400, 401, 403, 404]);

/**
 * An SSE subscription with the API key in the Authorization header, which a browser
 * EventSource cannot send. The `eventsource` package does the protocol (parsing, `retry:`,
 * reconnecting after a dropped connection, stopping on 204); this adds the header, resumes
 * after the last stored event id, and reopens after refusals such as a 503 during a drain,
 * which EventSource treats as final.
 *
 * The resume point travels as `?last_event_id=` (the API's equivalent of the header) so a
 * cross-origin gateway needs no CORS allowance for a Last-Event-ID request header.
 */
export function openEventStream(opts: EventStreamOptions): EventStreamHandle {
  const fetchImpl = opts.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));
  let lastEventId = opts.lastEventId;
  let source: EventSource | undefined;
  let reopenTimer: ReturnType<typeof setTimeout> | undefined;
  let delay = opts.reopenDelayMs ?? 2000;
  let closed = false;

  const authorizedFetch: FetchLike = (input, init) => {
    const url = new URL(String(input));
    const { 'Last-Event-ID': fromHeader, ...headers } = init.headers;
    const after = fromHeader ?? lastEventId;
    if (after) url.searchParams.set('last_event_id', after);
    return fetchImpl(url, { ...init, headers: { ...headers, Authorization: `Bearer ${opts.apiKey}` } });
  };

  const open = () => {
    const es = new EventSource(opts.url, { fetch: authorizedFetch });
    source = es;
    es.onopen = () => {
      delay = opts.reopenDelayMs ?? 2000;
      opts.onState?.('open');
    };
    es.onerror = (event) => {
      if (closed) return;
      if (es.readyState !== es.CLOSED) {
        opts.onState?.('connecting');
        return;
      }
      const code = event.code;
      if (code === 204) return opts.onState?.('ended', 204);
      if (code !== undefined && FINAL_REFUSALS.has(code)) return opts.onState?.('failed', code);
      opts.onState?.('connecting', code);
      reopenTimer = setTimeout(open, delay);
      delay = Math.min(delay * 2, 60_000);
    };
    for (const type of opts.types) {
      es.addEventListener(type, (event) => {
        // Derived events (position) have no id and must not move the resume point.
        if (event.lastEventId !== '') lastEventId = event.lastEventId;
        let data: unknown;
        try {
          data = JSON.parse(event.data);
        } catch {
          return; // not an event of this API
        }
        opts.onEvent(type, data, event.lastEventId);
      });
    }
  };

  open();
  return {
    close() {
      closed = true;
      if (reopenTimer !== undefined) clearTimeout(reopenTimer);
      source?.close();
    },
  };
}
