import type { z } from 'zod';
import { AppError } from './errors';
import type { ErrorDetail } from './errors';

/** Turns zod issues into the envelope's `details`: one entry per bad field. */
export function zodDetails(error: z.ZodError, prefix: string): ErrorDetail[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      return { field: [prefix, ...path].join('.'), message: `unknown field(s): ${issue.keys.join(', ')}` };
    }
    return { field: [prefix, ...path].join('.'), message: issue.message };
  });
}

/**
 * Validates a request part (`body`, `query`, `params`) against its schema, or throws a 400
 * VALIDATION_ERROR whose details name each bad field.
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, part = 'body'): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const details = zodDetails(parsed.error, part);
  const first = details[0];
  const message = first ? `invalid request ${part}: ${first.field} ${first.message}` : `invalid request ${part}`;
  throw new AppError('VALIDATION_ERROR', message, { details });
}
