import { ToolError } from './tool-error';

/**
 * What a tool's own deadline gets on top before the route's cuts in: a tool with a deadline of
 * its own (the LLM's, a webhook's) answers first, with its more precise message.
 */
export const OWN_DEADLINE_MARGIN_MS = 1000;

export interface ToolDeadline {
  /** Aborts with the request's own reason, or with a 504 TIMEOUT (retryable) once `ms` have passed. */
  signal: AbortSignal;
  clear(): void;
}

/** The signal a tool runs under: the request's, bounded by the tool's deadline. */
export function toolDeadline(request: AbortSignal, ms: number, toolName: string): ToolDeadline {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new ToolError('TIMEOUT', `${toolName} did not finish within ${ms} ms`, { retryable: true })), ms);
  const follow = () => controller.abort(request.reason);
  if (request.aborted) follow();
  else request.addEventListener('abort', follow, { once: true });
  return {
    signal: controller.signal,
    clear() {
      clearTimeout(timer);
      request.removeEventListener('abort', follow);
    },
  };
}

/**
 * Rejects with the signal's reason when it aborts first, for work that cannot be cancelled
 * (dns.lookup, nodemailer, a query already sent): the answer does not wait for it.
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
