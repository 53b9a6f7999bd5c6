import { AppError } from '@opsconductor/kit';
import { isJobError } from '@opsconductor/jobs';

/** Seconds a client is told to wait when its workspace is at the pending cap. */
export const PENDING_CAP_RETRY_AFTER_S = 5;

/**
 * Runs a store call, turning its refusals into the envelope's errors. `field` names where a
 * refused input came from (`query.cursor`…); anything else (Redis down, LEASE_LOST, which the
 * API never holds) stays an internal error the kit logs and hides.
 */
export async function storeCall<T>(call: () => Promise<T>, field: (storeField: string) => string = (f) => `body.${f}`): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (!isJobError(err)) throw err;
    switch (err.code) {
      case 'NOT_FOUND':
        return notFound();
      case 'CONFLICT':
        throw new AppError('CONFLICT', err.message, { cause: err });
      case 'RATE_LIMITED':
        throw new AppError('RATE_LIMITED', 'this workspace has too many pending jobs; retry later', {
          retryAfterS: PENDING_CAP_RETRY_AFTER_S,
          cause: err,
        });
      case 'VALIDATION_ERROR': {
        const name = field(err.field ?? 'body');
        throw new AppError('VALIDATION_ERROR', `invalid request: ${name} ${invalidReason(err.message)}`, {
          details: [{ field: name, message: invalidReason(err.message) }],
          cause: err,
        });
      }
      default:
        throw err;
    }
  }
}

/** The one answer for a job that is absent, malformed, or another workspace's: nothing to tell them apart. */
export function notFound(): never {
  throw new AppError('NOT_FOUND', 'job not found');
}

/** The store says `<field>: <reason>`; the envelope names the field on its own. */
function invalidReason(message: string): string {
  const colon = message.indexOf(': ');
  return colon === -1 ? message : message.slice(colon + 2);
}
