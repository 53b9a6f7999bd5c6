import { z } from 'zod';
import type { ChatClient, ChatMessage } from '../llm/chat-client';
import { defineTool } from './registry';
import type { Tool } from './registry';
import { ToolError } from './tool-error';

const llmParams = z.strictObject({
  system: z.string().min(1).max(20_000).optional().describe('System prompt sent before the input'),
  temperature: z.number().min(0).max(2).optional().describe('Sampling temperature, 0 (focused) to 2 (varied)'),
});

const NOT_CONFIGURED = 'no LLM is configured: set AI_BASE_URL to an OpenAI-compatible API (and AI_API_KEY if the provider needs one)';

/**
 * The generalist: sends the input to an OpenAI-compatible chat model. Without a client (no
 * AI_BASE_URL) it stays registered, so selection behaves the same everywhere, and answers 503
 * at once naming the variable to set.
 */
export function createLlmTool(client: ChatClient | undefined): Tool<typeof llmParams> {
  return defineTool({
    name: 'llm',
    description: 'Sends the input to the configured chat model and answers with its reply; for questions, summaries, drafting and translation',
    platform: 'llm',
    keywords: ['ask', 'answer', 'explain', 'summarise', 'summarize', 'summary', 'write', 'draft', 'translate', 'question', 'chat', 'llm', 'ai'],
    params: llmParams,
    async execute(params, ctx) {
      if (!client) throw new ToolError('UNAVAILABLE', NOT_CONFIGURED, { retryable: false });
      const messages: ChatMessage[] = [];
      if (params.system !== undefined) messages.push({ role: 'system', content: params.system });
      messages.push({ role: 'user', content: ctx.input });
      return client.complete({ messages, temperature: params.temperature }, ctx);
    },
    availability: () => (client ? { available: true } : { available: false, reason: NOT_CONFIGURED }),
  });
}
