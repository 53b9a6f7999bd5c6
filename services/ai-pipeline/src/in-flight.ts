import type { FastifyReply } from 'fastify';
import { ClientClosedError } from './tools/tool-error';

/**
 * The abort signals of the tools running now. A tool's signal aborts when its caller
 * disconnects before the answer, or when `abortAll` is called at shutdown; its `reason` is the
 * error the request ends with.
 */
export class InFlightTools {
  private readonly running = new Set<AbortController>();
  private stopReason: unknown;
  private stopped = false;

  /** A signal for the tool answering `reply`, released when the response ends. */
  track(reply: FastifyReply): AbortSignal {
    const controller = new AbortController();
    if (this.stopped) {
      controller.abort(this.stopReason);
      return controller.signal;
    }
    this.running.add(controller);
    // 'close' fires on the response once it is sent or once the socket is gone; only the
    // second leaves it unfinished.
    reply.raw.once('close', () => {
      this.running.delete(controller);
      if (!reply.raw.writableFinished) controller.abort(new ClientClosedError());
    });
    return controller.signal;
  }

  get size(): number {
    return this.running.size;
  }

  /** Cancels every running tool with `reason`, and every tool started from now on. */
  abortAll(reason: unknown): void {
    this.stopped = true;
    this.stopReason = reason;
    for (const controller of this.running) controller.abort(reason);
    this.running.clear();
  }
}
