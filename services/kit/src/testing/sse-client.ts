/**
 * A test client for Server-Sent Events over real HTTP: undici streams the body and
 * eventsource-parser splits it into events and comments (an EventSource would hide comments).
 */
import { createParser } from 'eventsource-parser';
import type { EventSourceMessage } from 'eventsource-parser';
import { request } from 'undici';

export interface SseConnection {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  events: EventSourceMessage[];
  comments: string[];
  /** True once the server ended the stream. */
  readonly ended: boolean;
  /** Resolves when `check` holds over what arrived; rejects if the stream ends first or after `timeoutMs`. */
  waitFor(check: (c: SseConnection) => boolean, what: string, timeoutMs?: number): Promise<void>;
  /** Resolves when the server ends the stream. */
  end(timeoutMs?: number): Promise<void>;
  /** The data of each event, parsed, with its id and name. */
  parsed(): Array<{ id: string | undefined; event: string | undefined; data: Record<string, unknown> }>;
  /** Disconnects (the server sees the client go away). */
  close(): void;
}

export async function openSse(url: string, headers: Record<string, string>): Promise<SseConnection> {
  const abort = new AbortController();
  const res = await request(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const waiters = new Set<() => void>();
  let ended = false;
  const conn: SseConnection = {
    status: res.statusCode,
    headers: res.headers,
    events: [],
    comments: [],
    get ended() {
      return ended;
    },
    waitFor(check, what, timeoutMs = 5000) {
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error(`timed out waiting for ${what}; got ${JSON.stringify(conn.events)}`)), timeoutMs);
        const finish = (err?: Error) => {
          clearTimeout(timer);
          waiters.delete(poll);
          if (err) reject(err);
          else resolve();
        };
        const poll = () => {
          if (check(conn)) finish();
          else if (ended) finish(new Error(`the stream ended before ${what}; got ${JSON.stringify(conn.events)}`));
        };
        waiters.add(poll);
        poll();
      });
    },
    end(timeoutMs = 5000) {
      return new Promise<void>((resolve, reject) => {
        if (ended) return resolve();
        const timer = setTimeout(() => reject(new Error(`the stream did not end; got ${JSON.stringify(conn.events)}`)), timeoutMs);
        res.body.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
    parsed() {
      return conn.events.map((e) => ({ id: e.id, event: e.event, data: JSON.parse(e.data) as Record<string, unknown> }));
    },
    close() {
      abort.abort();
    },
  };
  const notify = () => {
    for (const waiter of [...waiters]) waiter();
  };
  const parser = createParser({
    onEvent: (e) => {
      conn.events.push(e);
      notify();
    },
    onComment: (c) => {
      conn.comments.push(c);
      notify();
    },
  });
  // A multi-byte character may be split across chunks; the streaming decoder keeps the tail.
  const decoder = new TextDecoder();
  res.body.on('data', (chunk: Buffer) => parser.feed(decoder.decode(chunk, { stream: true })));
  res.body.on('error', () => undefined); // an abort by close() is the expected way out
  res.body.once('close', () => {
    ended = true;
    notify();
  });
  return conn;
}
