/**
 * Every log line goes through the same PII scrubber as audit rows. createLogger hooks this on
 * pino's `streamWrite`, which receives each line as it is about to be written: the message,
 * fields at any depth, child-logger bindings (trace_id, job_id…), serialized errors (message and
 * stack) and the mixin's span ids all pass here, whichever logger (a Fastify request's child
 * included) wrote them. `formatters.log` would see only the object given to the call: neither
 * the message nor the bindings.
 *
 * The line is not scrubbed as raw text: JSON escapes both hide findings (`{\"password\": \"…\"}`
 * inside a message) and get broken by them (`\n` before an email became `\[redacted…`, an
 * invalid escape; a card number logged as a number became a bare word). So the line is parsed,
 * each string value scrubbed (and each integer long enough to be a card number), and the line
 * re-serialized only when something was found: a clean line is written byte for byte as pino
 * made it, a scrubbed one is JSON.stringify's output, valid whatever the replacements contain.
 * Field names are kept as they are.
 */
import { scrubPii } from './pii';

/**
 * A whole value that is an id or a time: a UUID, a 16- or 32-hex span or trace id, an ISO 8601
 * timestamp. Such a value cannot hold PII; skipping it keeps ids whole and saves the detectors'
 * time on the strings almost every line carries (time, trace_id, job_id). A 16-character id
 * needs a letter: sixteen digits alone may be a card number.
 */
const ID_OR_TIME = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|(?=\d*[a-f])[0-9a-f]{16}|[0-9a-f]{32}|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2}))$/i;

/** The shortest card number (13 digits): no detector matches a shorter run of bare digits. */
const SMALLEST_CARD_LIKE = 1e12;

/** The line with every finding in its values redacted; the same string when there was none. */
export function scrubLogLine(line: string): string {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    // Not JSON (never from pino): nothing structural to keep, so scrub it as text.
    return scrubPii(line);
  }
  if (record === null || typeof record !== 'object' || !scrubValues(record as Record<string, unknown>)) return line;
  return JSON.stringify(record) + (line.endsWith('\n') ? '\n' : '');
}

/** Scrubs the values of an object or array in place; true when any changed. */
function scrubValues(node: Record<string, unknown> | unknown[]): boolean {
  let changed = false;
  const keys = Array.isArray(node) ? node.keys() : Object.keys(node);
  for (const key of keys) {
    const value = (node as Record<string | number, unknown>)[key];
    let scrubbed: unknown = value;
    if (typeof value === 'string') {
      if (!ID_OR_TIME.test(value)) scrubbed = scrubPii(value);
    } else if (typeof value === 'number') {
      // A number's text is digits (with '.', '-', 'e'): only a card number can be found there.
      if (Math.abs(value) >= SMALLEST_CARD_LIKE && Number.isInteger(value)) {
        const text = String(value);
        const found = scrubPii(text);
        if (found !== text) scrubbed = found;
      }
    } else if (value !== null && typeof value === 'object') {
      if (scrubValues(value as Record<string, unknown>)) changed = true;
    }
    if (scrubbed !== value) {
      (node as Record<string | number, unknown>)[key] = scrubbed;
      changed = true;
    }
  }
  return changed;
}
