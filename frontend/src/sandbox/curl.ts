/** The shell variable the command reads the key from: the key itself is never printed. */
export const KEY_PLACEHOLDER = '$OPSCONDUCTOR_API_KEY';

/** POSIX single-quoting: safe for any text, including quotes and newlines. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * A curl command that repeats a request. The Authorization header names a shell variable
 * instead of the key, so the command can be pasted into a ticket or a chat safely.
 */
export function curlCommand(url: string, body: unknown): string {
  return [
    `curl -sS -X POST ${shellQuote(url)}`,
    `  -H "Authorization: Bearer ${KEY_PLACEHOLDER}"`,
    `  -H 'Content-Type: application/json'`,
    `  -d ${shellQuote(JSON.stringify(body))}`,
  ].join(' \\\n');
}
