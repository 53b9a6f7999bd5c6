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

/**
 * Writes a delivery's outcome after its send, when the send's result must stand whatever the
 * database does: a failed write is logged (its code only) and answers undefined. A lost record
 * only costs a second send if the job runs again.
 */
export async function recordOutcome<T>(tool: string, deliveryId: string, ctx: ToolContext, write: () => Promise<T>): Promise<T | undefined> {
  try {
    return await write();
  } catch (err) {
    ctx.logger.warn({ code: (err as { code?: unknown }).code, delivery_id: deliveryId }, `${tool}: could not record the outcome`);
    return undefined;
  }
}
