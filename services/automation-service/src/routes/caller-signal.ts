import type { FastifyReply } from 'fastify';

/** nginx's "client closed request"; nobody reads it, the socket is gone, but the handler must answer. */
export const CLIENT_CLOSED_REQUEST = 499;

/** Runs `fn` with a signal that aborts when the caller goes away before the answer. */
export async function withCallerSignal<T>(reply: FastifyReply, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const callerGone = new AbortController();
  const onClose = () => {
    if (!reply.raw.writableEnded) callerGone.abort();
  };
  reply.raw.once('close', onClose);
  try {
    return await fn(callerGone.signal);
  } finally {
    reply.raw.off('close', onClose);
  }
}

/** Milliseconds to two decimals, as answers report `duration_ms`. */
export function roundMs(ms: number): number {
  return Math.round(ms * 100) / 100;
}
