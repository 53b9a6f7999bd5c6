/**
 * The admin routes of one workspace: keys over HTTP, the audit trail, and the GDPR erase.
 * An admin key of one workspace never reaches another's keys, audit rows or jobs.
 */
import { claimEmailDelivery, claimWebhookDelivery, createTask, listEmailDeliveries, listTasks, listWebhookDeliveries } from '@opsconductor/db';
import { createCaller } from './helpers';
import { startJobsService, until } from './jobs-service';
import type { JobsService } from './jobs-service';

type Json = Record<string, unknown>;

describe('admin routes', () => {
  let service: JobsService;
  const caller = createCaller();

  beforeAll(async () => {
    service = await startJobsService();
  });
  afterAll(async () => {
    await caller.close();
    await service.close();
  });

  const auditCount = async (workspace: string) =>
    Number((await service.db.query<{ n: string }>('SELECT count(*) AS n FROM action_audit WHERE workspace_id = $1', [workspace])).rows[0]?.n);

  describe('API keys over HTTP', () => {
    it('creates a key whose secret is shown once and works with its scopes, lists without secrets, and revokes', async () => {
      const admin = await service.as('ws-keys', 'root');
      const created = await caller.call(`${service.url}/ai/admin/keys`, { body: { actor_id: 'bob', scopes: ['actions:preview'], name: 'bob reads' }, headers: admin });
      expect(created.status).toBe(201);
      expect(created.headers['cache-control']).toBe('no-store');
      const secret = created.json.secret as string;
      expect(secret).toMatch(/^oc_live_[A-Za-z0-9_-]{43}$/);
      expect(created.json.key).toMatchObject({ workspace_id: 'ws-keys', actor_id: 'bob', scopes: ['actions:preview'], name: 'bob reads', revoked_at: null });
      const bob = { authorization: `Bearer ${secret}` };
      expect((await caller.call(`${service.url}/ai/jobs`, { headers: bob })).status).toBe(200);
      expect((await caller.call(`${service.url}/ai/jobs`, { body: { action: 'echo' }, headers: bob })).status).toBe(403);

      const list = await caller.call(`${service.url}/ai/admin/keys`, { headers: admin });
      expect(list.status).toBe(200);
      expect((list.json.keys as Json[]).map((k) => k.actor_id).sort()).toEqual(['bob', 'root']);
      expect(list.text).not.toContain(secret);
      expect(list.text).not.toContain('secret_hash');

      const id = (created.json.key as Json).id as string;
      const revoked = await caller.call(`${service.url}/ai/admin/keys/${id}/revoke`, { method: 'POST', headers: admin });
      expect(revoked.status).toBe(200);
      expect(revoked.json.revoked_at).not.toBeNull();
      await until(async () => (await caller.call(`${service.url}/ai/jobs`, { headers: bob })).status === 401, 'the revoked key to be refused', 5000);
    });

    it('never reaches another workspace\'s keys', async () => {
      const other = await caller.call(`${service.url}/ai/admin/keys`, { body: { actor_id: 'eve', scopes: ['admin'] }, headers: await service.as('ws-other-keys') });
      const id = (other.json.key as Json).id as string;
      const admin = await service.as('ws-keys', 'root');
      expect((await caller.call(`${service.url}/ai/admin/keys/${id}/revoke`, { method: 'POST', headers: admin })).status).toBe(404);
      expect((await caller.call(`${service.url}/ai/admin/keys`, { headers: admin })).text).not.toContain(id);
      expect((await caller.call(`${service.url}/ai/admin/keys/not-a-key/revoke`, { method: 'POST', headers: admin })).status).toBe(404);
    });

    it.each([
      [{ scopes: ['admin'] }, ['body.actor_id']],
      [{ actor_id: 'x', scopes: [] }, ['body.scopes']],
      [{ actor_id: 'x', scopes: ['root'] }, ['body.scopes.0']],
      [{ actor_id: 'x', scopes: ['admin'], workspace_id: 'ws-victim' }, ['body']],
      [{ actor_id: 'x', scopes: ['admin'], expires_in_days: 0 }, ['body.expires_in_days']],
    ])('refuses %j naming the bad fields, creating nothing', async (body, fields) => {
      const headers = await service.as('ws-bad-keys');
      const res = await caller.call(`${service.url}/ai/admin/keys`, { body, headers });
      expect(res.status).toBe(400);
      expect(((res.json.error as Json).details as Json[]).map((d) => d.field).sort()).toEqual(fields);
      expect((await caller.call(`${service.url}/ai/admin/keys`, { headers })).json.keys).toHaveLength(1);
    });
  });

  describe('GET /ai/audit', () => {
    it('pages the workspace\'s own rows newest first, filters, and refuses a forged cursor', async () => {
      const alice = await service.as('ws-au', 'alice');
      for (let i = 0; i < 3; i++) await caller.call(`${service.url}/ai/jobs`, { body: { action: 'echo', params: { i } }, headers: alice });
      await caller.call(`${service.url}/ai/jobs`, { body: { action: 'echo' }, headers: await service.as('ws-elsewhere') });
      await until(async () => (await auditCount('ws-au')) === 3 && (await auditCount('ws-elsewhere')) === 1, 'the audit rows');

      const seen: Json[] = [];
      let cursor: string | null = null;
      do {
        const page: { status: number; json: Json } = await caller.call(`${service.url}/ai/audit?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { headers: alice });
        expect(page.status).toBe(200);
        seen.push(...(page.json.entries as Json[]));
        cursor = page.json.next_cursor as string | null;
      } while (cursor);
      expect(seen).toHaveLength(3);
      expect(seen.every((e) => e.workspace_id === 'ws-au' && e.event === 'submitted' && e.actor_id === 'alice')).toBe(true);
      expect(Object.keys(seen[0] as Json)).not.toContain('params');
      const filtered = await caller.call(`${service.url}/ai/audit?event=completed`, { headers: alice });
      expect(filtered.json.entries).toEqual([]);
      const bad = await caller.call(`${service.url}/ai/audit?cursor=forged&limit=500&event=nope`, { headers: alice });
      expect(bad.status).toBe(400);
      expect(((bad.json.error as Json).details as Json[]).map((d) => d.field).sort()).toEqual(['query.event', 'query.limit']);
      expect((await caller.call(`${service.url}/ai/audit?cursor=forged`, { headers: alice })).status).toBe(400);
    });
  });

  describe('POST /ai/admin/erase', () => {
    it('erases one actor\'s jobs, events and audit rows and says how many, leaving the others', async () => {
      const alice = await service.as('ws-gdpr', 'alice');
      const bob = await service.as('ws-gdpr', 'bob');
      const submit = async (headers: Record<string, string>) => (await caller.call(`${service.url}/ai/jobs`, { body: { action: 'echo' }, headers })).json.job_id as string;
      const aliceJobs = [await submit(alice), await submit(alice)];
      const bobJob = await submit(bob);
      await until(async () => (await auditCount('ws-gdpr')) === 3, 'the audit rows');

      const res = await caller.call(`${service.url}/ai/admin/erase`, { body: { actor_id: 'alice' }, headers: bob });
      expect(res.status).toBe(200);
      expect(res.json).toEqual({ erased: { target: 'actor', jobs: 2, events: 2, audit_rows: 2, tasks: 0, webhook_deliveries: 0, email_deliveries: 0 } });
      for (const id of aliceJobs) expect((await caller.call(`${service.url}/ai/jobs/${id}`, { headers: alice })).status).toBe(404);
      expect((await caller.call(`${service.url}/ai/jobs/${bobJob}`, { headers: bob })).status).toBe(200);
      const rows = (await service.db.query<Json>('SELECT actor_id, event, action FROM action_audit WHERE workspace_id = $1 ORDER BY at', ['ws-gdpr'])).rows;
      await until(async () => (await auditCount('ws-gdpr')) === 2, 'the erase to be audited');
      expect(rows.filter((r) => r.actor_id === 'alice')).toEqual([]);
      const erased = (await service.db.query<Json>('SELECT actor_id, event, action FROM action_audit WHERE workspace_id = $1 AND event = $2', ['ws-gdpr', 'erased'])).rows;
      expect(erased).toEqual([{ actor_id: 'bob', event: 'erased', action: 'erase.actor' }]);
    });

    it('erases a whole workspace only when asked in so many words', async () => {
      const admin = await service.as('ws-gone', 'root');
      await caller.call(`${service.url}/ai/jobs`, { body: { action: 'echo' }, headers: admin });
      await caller.call(`${service.url}/ai/jobs`, { body: { action: 'echo' }, headers: await service.as('ws-stays') });
      const unconfirmed = await caller.call(`${service.url}/ai/admin/erase`, { body: {}, headers: admin });
      expect(unconfirmed.status).toBe(400);
      expect((await service.store.list('ws-gone')).jobs).toHaveLength(1);
      const wrong = await caller.call(`${service.url}/ai/admin/erase`, { body: { confirm_workspace_id: 'ws-stays' }, headers: admin });
      expect(wrong.status).toBe(400);
      await createTask(service.db, { workspace_id: 'ws-gone', title: 'call the bank' });
      await createTask(service.db, { workspace_id: 'ws-stays', title: 'stays' });
      await claimWebhookDelivery(service.db, { workspace_id: 'ws-gone', job_id: 'job-9', url: 'https://hooks.example.com/x' });
      await claimEmailDelivery(service.db, { workspace_id: 'ws-gone', job_id: 'job-9', provider: 'gmail', recipients: ['someone@example.com'] });
      const res = await caller.call(`${service.url}/ai/admin/erase`, { body: { confirm_workspace_id: 'ws-gone' }, headers: admin });
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ erased: { target: 'workspace', jobs: 1, events: 1, tasks: 1, webhook_deliveries: 1, email_deliveries: 1 } });
      expect(await listWebhookDeliveries(service.db, 'ws-gone')).toEqual([]);
      expect(await listEmailDeliveries(service.db, 'ws-gone')).toEqual([]);
      expect((await listTasks(service.db, 'ws-gone')).tasks).toEqual([]);
      expect((await listTasks(service.db, 'ws-stays')).tasks).toHaveLength(1);
      expect((await service.store.list('ws-gone')).jobs).toEqual([]);
      expect((await service.store.list('ws-stays')).jobs).toHaveLength(1);
    });
  });
});
