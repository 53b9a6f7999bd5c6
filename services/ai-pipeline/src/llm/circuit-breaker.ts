import { createCircuitBreaker } from '@opsconductor/kit';
import type { CircuitBreaker, CircuitBreakerWiring } from '@opsconductor/kit';
import { ToolError } from '../tools/tool-error';
import type { ChatClient } from './chat-client';

/**
 * Whether a chat call's error counts against the LLM provider: it could not be reached, failed
 * with 5xx/408 (BAD_GATEWAY, retryable), or missed AI_TIMEOUT_MS (TIMEOUT). Not counted: a
 * rejected key or a refused request (401/403/400/404, not retryable: a configuration to fix, and
 * fail-fast would only hide it behind 503s), 429 (the provider is alive and asks us to slow
 * down, with its own Retry-After), and the caller giving up (its abort reason).
 */
export function isLlmFailure(err: unknown): boolean {
  if (!(err instanceof ToolError)) return false;
  return err.code === 'TIMEOUT' || (err.code === 'BAD_GATEWAY' && err.retryable);
}

/** The `llm` breaker: one circuit for the one configured provider (AI_BASE_URL). */
export function createLlmBreaker(wiring: CircuitBreakerWiring): CircuitBreaker {
  return createCircuitBreaker({ ...wiring, name: 'llm', isFailure: isLlmFailure, label: 'the LLM provider' });
}

/**
 * The chat client with every completion going through `breaker`: while it is open, callers
 * (the llm tool, the planner) get 503 UNAVAILABLE, retryable, with Retry-After, at once.
 */
export function withCircuitBreaker(client: ChatClient, breaker: CircuitBreaker): ChatClient {
  return { ...client, complete: (request, opts) => breaker.run(() => client.complete(request, opts)) };
}
