/**
 * The `admin` routes of one workspace (the admin key's): API keys over HTTP, the audit trail,
 * and the GDPR erase of an actor's or the whole workspace's jobs, events and audit rows (and
 * the workspace's tasks and webhook deliveries).
 */
import type { FastifyInstance } from 'fastify';
import { AppError, parseInput } from '@opsconductor/kit';
import { AuditCursorError, createApiKey, eraseAudit, eraseEmailDeliveries, eraseTasks, eraseWebhookDeliveries, listApiKeys, listAudit, revokeApiKey } from '@opsconductor/db';
import type { Queryable } from '@opsconductor/db';
import type { JobStore } from '@opsconductor/jobs';
import { callerOf } from '../auth/caller';
import { auditRow } from '../audit/audit-sink';
import type { AuditSink } from '../audit/audit-sink';
import { storeCall } from '../jobs/store-errors';
import { auditQuerySchema, createKeyBodySchema, eraseBodySchema } from './admin-schemas';

export interface AdminRoutesDeps {
  db: Queryable;
  audit: AuditSink;
  /** The job store, when this app serves jobs; the erase covers it. */
  store?: JobStore;
}

const DAY_MS = 86_400_000;
const KEY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function registerAdminRoutes(app: FastifyInstance, deps: AdminRoutesDeps): void {
  const admin = { config: { scope: 'admin' as const } };
  // Mutations: a retried request with the same Idempotency-Key gets the first answer.
  const adminChange = { config: { scope: 'admin' as const, idempotent: true } };

  app.get('/ai/admin/keys', admin, async (request) => {
    const caller = callerOf(request);
    return { keys: await listApiKeys(deps.db, { workspace_id: caller.workspaceId }) };
  });

  app.post('/ai/admin/keys', adminChange, async (request, reply) => {
    const caller = callerOf(request);
    const body = parseInput(createKeyBodySchema, request.body, 'body');
    const { key, secret } = await createApiKey(deps.db, {
      workspace_id: caller.workspaceId,
      actor_id: body.actor_id,
      scopes: body.scopes,
      name: body.name,
      expires_at: body.expires_in_days === undefined ? undefined : new Date(Date.now() + body.expires_in_days * DAY_MS),
    });
    request.log.info({ key_id: key.id, key_prefix: key.prefix, scopes: key.scopes }, 'API key created');
    // The secret is in this answer only; it is stored as a hash.
    return reply.code(201).header('cache-control', 'no-store').send({ key, secret });
  });

  app.post('/ai/admin/keys/:id/revoke', adminChange, async (request) => {
    const caller = callerOf(request);
    const { id } = request.params as { id: string };
    const key = KEY_ID.test(id) ? await revokeApiKey(deps.db, id, { workspace_id: caller.workspaceId }) : null;
    if (key === null) throw new AppError('NOT_FOUND', 'no such key in this workspace');
    request.log.info({ key_id: key.id }, 'API key revoked');
    return key;
  });

  app.get('/ai/audit', admin, async (request) => {
    const caller = callerOf(request);
    const query = parseInput(auditQuerySchema, request.query, 'query');
    try {
      const page = await listAudit(deps.db, { ...query, workspace_id: caller.workspaceId });
      return { entries: page.rows, next_cursor: page.next_cursor };
    } catch (err) {
      if (!(err instanceof AuditCursorError)) throw err;
      throw new AppError('VALIDATION_ERROR', `invalid query: query.cursor ${err.message}`, { details: [{ field: 'query.cursor', message: err.message }] });
    }
  });

  app.post('/ai/admin/erase', adminChange, async (request) => {
    const caller = callerOf(request);
    const body = parseInput(eraseBodySchema, request.body, 'body');
    if (body.actor_id === undefined && body.confirm_workspace_id !== caller.workspaceId) {
      throw new AppError('VALIDATION_ERROR', 'erasing the whole workspace needs confirm_workspace_id set to its id; to erase one actor, send actor_id', {
        details: [{ field: 'body.confirm_workspace_id', message: "must be the API key's workspace id" }],
      });
    }
    const store = deps.store;
    const jobs = store ? await storeCall(() => store.erase(caller.workspaceId, { actorId: body.actor_id })) : { jobs: 0, events: 0 };
    // Rows still buffered would land after the delete and outlive the erase.
    await deps.audit.flush();
    const auditRows = await eraseAudit(deps.db, caller.workspaceId, body.actor_id);
    const target = body.actor_id === undefined ? 'workspace' : 'actor';
    // Tasks (task.create) belong to the workspace, not to the actor who asked for them.
    const tasks = target === 'workspace' ? await eraseTasks(deps.db, caller.workspaceId) : 0;
    const webhookDeliveries = target === 'workspace' ? await eraseWebhookDeliveries(deps.db, caller.workspaceId) : 0;
    // Their recipients are personal data. The mail accounts stay: like the settings, they are
    // the operator's configuration of the workspace, not data it produced.
    const emailDeliveries = target === 'workspace' ? await eraseEmailDeliveries(deps.db, caller.workspaceId) : 0;
    // The erase is itself audited, without the erased actor's id (it is personal data).
    deps.audit.record(auditRow({ caller, event: 'erased', action: `erase.${target}`, traceId: request.traceId }));
    request.log.info({ target, jobs: jobs.jobs, events: jobs.events, audit_rows: auditRows, tasks, webhook_deliveries: webhookDeliveries, email_deliveries: emailDeliveries }, 'data erased');
    return { erased: { target, jobs: jobs.jobs, events: jobs.events, audit_rows: auditRows, tasks, webhook_deliveries: webhookDeliveries, email_deliveries: emailDeliveries } };
  });
}
