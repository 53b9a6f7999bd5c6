import type { ToolContext } from './registry';
import { ToolError } from './tool-error';

/**
 * A database call of a tool, before or around its side effect: a failure is 503 retryable (the
 * job tries again later), named after `what` ("the email outbox"). Only the SQLSTATE or errno is
 * logged: a driver's message may quote the values written.
 */
export async function storeCall<T>(what: string, ctx: ToolContext, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    ctx.logger.warn({ code: (err as { code?: unknown }).code }, `${what}: the database call failed`);
    throw new ToolError('UNAVAILABLE', `the ${what} is unavailable; try again`, { retryable: true, retryAfterS: 1, cause: err });
  }
}
