import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineTool } from './registry';

/** Longest `delay_ms` accepted: a minute, enough to outlast any caller's timeout in tests. */
export const MAX_ECHO_DELAY_MS = 60_000;

const echoParams = z.strictObject({
  delay_ms: z
    .number()
    .int()
    .min(0)
    .max(MAX_ECHO_DELAY_MS)
    .optional()
    .describe('Wait this many ms before answering (cancelled if the caller goes away)'),
});

/**
 * "ping" answers "pong" (surrounding whitespace and letter case ignored, so " PING\n" is a
 * ping too); any other input comes back unchanged. The smoke-test and canary tool.
 */
export function answerEcho(input: string): string {
  return input.trim().toLowerCase() === 'ping' ? 'pong' : input;
}

export const echoTool = defineTool({
  name: 'echo',
  description: 'Answers ping with pong and echoes any other input back unchanged; for smoke tests and health checks',
  platform: 'builtin',
  keywords: ['ping', 'pong', 'echo', 'test', 'health', 'healthcheck', 'smoke', 'repeat'],
  params: echoParams,
  // delay_ms may ask for up to a minute: the deadline must not cut a delay the schema allows.
  timeoutMs: 65_000,
  async execute(params, ctx) {
    if (params.delay_ms) {
      try {
        await sleep(params.delay_ms, undefined, { signal: ctx.signal });
      } catch (err) {
        // The signal's reason says why (caller gone, shutdown); the timer's AbortError does not.
        throw ctx.signal.aborted ? ctx.signal.reason : err;
      }
    }
    return answerEcho(ctx.input);
  },
});
