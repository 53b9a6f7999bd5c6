import { z } from 'zod';
import type { ChatClient, ChatMessage } from '../llm/chat-client';
import { defineTool } from './registry';
import type { JsonValue, Tool } from './registry';
import { OWN_DEADLINE_MARGIN_MS } from './cancellation';
import { ToolError } from './tool-error';

export const LLM_TOOL = 'llm.complete';

/**
 * The params; `max_output_tokens` is capped at AI_MAX_OUTPUT_TOKENS in the schema itself, so
 * a larger one is a 400 naming the limit, and GET /tools (and the planner) show the maximum.
 */
function llmParams(maxOutputTokens: number | undefined) {
  const maxTokens = z.number().int().min(1);
  return z.strictObject({
    system: z.string().min(1).max(20_000).optional().describe('System prompt sent before the input'),
    temperature: z.number().min(0).max(2).optional().describe('Sampling temperature, 0 (focused) to 2 (varied)'),
    max_output_tokens: (maxOutputTokens === undefined
      ? maxTokens
      : maxTokens.max(maxOutputTokens, `must be at most ${maxOutputTokens} (AI_MAX_OUTPUT_TOKENS)`)
    )
      .optional()
      .describe('Most tokens the answer may have (default and upper limit: AI_MAX_OUTPUT_TOKENS)'),
  });
}

const NOT_CONFIGURED = 'no LLM is configured: set AI_BASE_URL to an OpenAI-compatible API (and AI_API_KEY if the provider needs one)';

/**
 * llm.complete, the generalist: sends the input to an OpenAI-compatible chat model and answers
 * `{text, model, finish_reason, usage, truncated}`. Without a client (no AI_BASE_URL) it stays
 * registered, so selection behaves the same everywhere, and answers 503 at once naming the
 * variable to set.
 */
export function createLlmTool(client: ChatClient | undefined): Tool<ReturnType<typeof llmParams>> {
  return defineTool({
    name: LLM_TOOL,
    description: 'Sends the input to the configured chat model and answers with its reply; for questions, summaries, drafting and translation',
    platform: 'llm',
    keywords: ['ask', 'answer', 'explain', 'summarise', 'summarize', 'summary', 'write', 'draft', 'translate', 'question', 'chat', 'llm', 'ai'],
    params: llmParams(client?.maxOutputTokens),
    // The client's own deadline (AI_TIMEOUT_MS) answers first, naming the provider.
    ...(client ? { timeoutMs: client.timeoutMs + OWN_DEADLINE_MARGIN_MS } : {}),
    async execute(params, ctx) {
      if (!client) throw new ToolError('UNAVAILABLE', NOT_CONFIGURED, { retryable: false });
      const messages: ChatMessage[] = [];
      if (params.system !== undefined) messages.push({ role: 'system', content: params.system });
      messages.push({ role: 'user', content: ctx.input });
      const answer = await client.complete({ messages, temperature: params.temperature, maxTokens: params.max_output_tokens }, ctx);
      const usage: JsonValue = answer.usage
        ? { input_tokens: answer.usage.inputTokens, output_tokens: answer.usage.outputTokens, total_tokens: answer.usage.totalTokens }
        : null;
      return { text: answer.text, model: answer.model, finish_reason: answer.finishReason, usage, truncated: answer.finishReason === 'length' };
    },
    availability: () => (client ? { available: true } : { available: false, reason: NOT_CONFIGURED }),
  });
}
