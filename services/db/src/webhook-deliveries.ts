/** The outbox of webhook.post (see delivery-outbox.ts): one row per job, keyed before the send. */
import type { Queryable } from './database';
import { deliveryOutbox } from './delivery-outbox';
import type { Delivery, DeliveryOutcome, DeliveryStatus } from './delivery-outbox';

export type WebhookDeliveryStatus = DeliveryStatus;

export type WebhookDelivery = Delivery & { url: string };

export interface NewWebhookDelivery {
  workspace_id: string;
  job_id?: string;
  url: string;
  trace_id?: string;
}

const outbox = deliveryOutbox<{ url: string }>('webhook_deliveries', ['url']);

/** Claims the job's delivery row, counting one more attempt unless it was delivered already. */
export function claimWebhookDelivery(db: Queryable, input: NewWebhookDelivery): Promise<WebhookDelivery> {
  const { url, ...rest } = input;
  return outbox.claim(db, { ...rest, target: { url } });
}

export function recordWebhookOutcome(db: Queryable, id: string, outcome: DeliveryOutcome): Promise<WebhookDelivery | undefined> {
  return outbox.record(db, id, outcome);
}

/** A workspace's deliveries, newest first (for tests and operators; not an API yet). */
export function listWebhookDeliveries(db: Queryable, workspaceId: string, limit = 50): Promise<WebhookDelivery[]> {
  return outbox.list(db, workspaceId, limit);
}

/** Deletes a workspace's delivery records (the whole-workspace erase): their URLs and answers are its data. */
export function eraseWebhookDeliveries(db: Queryable, workspaceId: string): Promise<number> {
  return outbox.erase(db, workspaceId);
}
