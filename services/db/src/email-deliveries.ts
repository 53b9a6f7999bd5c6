/** The outbox of the email tools (see delivery-outbox.ts): one row per job, keyed before the send. */
import type { Queryable } from './database';
import { deliveryOutbox } from './delivery-outbox';
import type { Delivery, DeliveryOutcome } from './delivery-outbox';

export type EmailDelivery = Delivery & { provider: string; recipients: string };

export interface NewEmailDelivery {
  workspace_id: string;
  job_id?: string;
  provider: string;
  /** Every recipient (to, cc, bcc). */
  recipients: readonly string[];
  trace_id?: string;
}

const outbox = deliveryOutbox<{ provider: string; recipients: string }>('email_deliveries', ['provider', 'recipients']);

/** Claims the job's email row, counting one more attempt unless it was delivered already. */
export function claimEmailDelivery(db: Queryable, input: NewEmailDelivery): Promise<EmailDelivery> {
  const { provider, recipients, ...rest } = input;
  return outbox.claim(db, { ...rest, target: { provider, recipients: recipients.join(',') } });
}

export function recordEmailOutcome(db: Queryable, id: string, outcome: DeliveryOutcome): Promise<EmailDelivery | undefined> {
  return outbox.record(db, id, outcome);
}

/** A workspace's emails, newest first (for tests and operators; not an API yet). */
export function listEmailDeliveries(db: Queryable, workspaceId: string, limit = 50): Promise<EmailDelivery[]> {
  return outbox.list(db, workspaceId, limit);
}

/** Deletes a workspace's email records (the whole-workspace erase): recipients are personal data. */
export function eraseEmailDeliveries(db: Queryable, workspaceId: string): Promise<number> {
  return outbox.erase(db, workspaceId);
}
