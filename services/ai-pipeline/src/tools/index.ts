import type { Queryable } from '@opsconductor/db';
import type { ChatClient } from '../llm/chat-client';
import { echoTool } from './echo';
import { createEmailTools } from './email-send';
import type { EmailOptions } from './email-send';
import { createLlmTool } from './llm';
import { ToolRegistry } from './registry';
import { createTaskCreateTool } from './task-create';
import { createWebhookPostTool } from './webhook-post';
import type { WebhookOptions } from './webhook-post';

/** The tools every ai-pipeline serves. New tools are added here (see README "Adding a tool"). */
export function createDefaultTools(opts: { chatClient?: ChatClient | undefined; db?: Queryable | undefined; webhook?: WebhookOptions; email?: EmailOptions }): ToolRegistry {
  return new ToolRegistry([echoTool, createLlmTool(opts.chatClient), createTaskCreateTool(opts.db), createWebhookPostTool(opts.db, opts.webhook), ...createEmailTools(opts.db, opts.email)]);
}
