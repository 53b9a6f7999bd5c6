import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import type { FastifyReply } from 'fastify';

/** One Server-Sent Event. `data` is sent as one line of JSON. */
export interface SseEvent {
  /** Omitted for events that are not stream entries (a client's Last-Event-ID then stays put). */
  id?: string;
  event: string;
  data: unknown;
}

/**
 * Headers of every event stream: no caching, no proxy buffering (nginx honours
 * X-Accel-Buffering). The connection closes with the stream: a reconnect is a new request
 * anyway, and an idle keep-alive socket left behind would hold up a drain.
 */
export const SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
  connection: 'close',
} as const;

/**
 * Writes an event stream as the body of a Fastify reply (so the kit's hooks still run: the
 * X-Trace-Id header, the access log line when it ends). Writes wait while the client is slow
 * to read; `closed` turns true when the stream ends from either side.
 */
export class SseWriter {
  private readonly body = new PassThrough();
  private isClosed = false;
  lastWriteAt = Date.now();

  constructor(reply: FastifyReply, opts: { retryMs?: number } = {}) {
    // Fastify destroys the body when the client goes away; end() closes it from our side.
    this.body.once('close', () => {
      this.isClosed = true;
    });
    reply.headers(SSE_HEADERS).send(this.body);
    // The first bytes flush the headers, so the client knows the stream is open before any event.
    void this.write(opts.retryMs === undefined ? ': open\n\n' : `retry: ${opts.retryMs}\n\n`);
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Resolves once the stream is closed (client gone, or end()). */
  whenClosed(): Promise<void> {
    return this.isClosed ? Promise.resolve() : once(this.body, 'close').then(() => undefined);
  }

  async event(e: SseEvent): Promise<void> {
    const id = e.id === undefined ? '' : `id: ${e.id}\n`;
    await this.write(`${id}event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`);
  }

  /** A comment line, ignored by clients; keeps idle connections open through proxies. */
  async comment(text: string): Promise<void> {
    await this.write(`: ${text}\n\n`);
  }

  end(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.body.end();
  }

  private async write(chunk: string): Promise<void> {
    if (this.isClosed) return;
    this.lastWriteAt = Date.now();
    if (this.body.write(chunk)) return;
    // A slow reader: wait for room rather than buffering without bound.
    await Promise.race([once(this.body, 'drain'), this.whenClosed()]);
  }
}
