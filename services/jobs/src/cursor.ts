import { invalid } from './errors';

/** Where a newest-first page stopped: the score and member of its last item. */
export interface CursorPosition {
  score: number;
  member: string;
}

/** Opaque to callers: base64url of `[score, member]`. */
export function encodeCursor(pos: CursorPosition): string {
  return Buffer.from(JSON.stringify([pos.score, pos.member]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): CursorPosition {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && Number.isFinite(value[0]) && typeof value[1] === 'string') {
      return { score: value[0] as number, member: value[1] };
    }
  } catch {
    // fall through to the validation error
  }
  throw invalid('cursor', 'not a cursor returned by this listing');
}
