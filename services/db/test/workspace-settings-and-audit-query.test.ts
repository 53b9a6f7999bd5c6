import { randomUUID } from 'node:crypto';
import { createApiKey, revokeApiKey } from '../src/api-keys';
import { eraseAudit, listAudit, AuditCursorError } from '../src/audit-query';
import type { AuditRecord } from '../src/audit-query';
import { getWorkspaceSettings, setWorkspaceSettings, WorkspaceSettingsResolver } from '../src/workspace-settings';
import { DATABASE_KINDS, useMigratedDatabase } from './support/databases';

describe.each(DATABASE_KINDS)('on %s', (_kind, fresh) => {
  const t = useMigratedDatabase(fresh);

  describe('workspace settings', () => {
    it('are the defaults (null) until set, then a change sets, keeps or resets each field', async () => {
      const db = t().db;
      expect(await getWorkspaceSettings(db, 'ws-s')).toEqual({ workspace_id: 'ws-s', rate_limit_per_minute: null, allowed_actions: null, webhook_hosts: null });
      await setWorkspaceSettings(db, 'ws-s', { rate_limit_per_minute: 500, allowed_actions: ['echo', 'task.create', 'echo'] });
      expect(await setWorkspaceSettings(db, 'ws-s', { rate_limit_per_minute: 7 })).toEqual({ workspace_id: 'ws-s', rate_limit_per_minute: 7, allowed_actions: ['echo', 'task.create'], webhook_hosts: null });
      expect(await setWorkspaceSettings(db, 'ws-s', { allowed_actions: null })).toEqual({ workspace_id: 'ws-s', rate_limit_per_minute: 7, allowed_actions: null, webhook_hosts: null });
      expect(await getWorkspaceSettings(db, 'ws-other')).toMatchObject({ rate_limit_per_minute: null });
    });

    it('refuses a bad limit, bad action names and a bad workspace id, changing nothing', async () => {
      const db = t().db;
      await expect(setWorkspaceSettings(db, 'ws-r', { rate_limit_per_minute: 0 })).rejects.toThrow('rate_limit_per_minute');
      await expect(setWorkspaceSettings(db, 'ws-r', { rate_limit_per_minute: 1.5 })).rejects.toThrow('rate_limit_per_minute');
      await expect(setWorkspaceSettings(db, 'ws-r', { allowed_actions: ['echo', 'Bad Name'] })).rejects.toThrow('Bad Name');
      await expect(setWorkspaceSettings(db, 'bad:ws', { rate_limit_per_minute: 5 })).rejects.toThrow('workspace_id');
      expect(await getWorkspaceSettings(db, 'ws-r')).toMatchObject({ rate_limit_per_minute: null, allowed_actions: null });
    });

    it('the resolver caches for its TTL, then sees a change', async () => {
      const db = t().db;
      let clock = 0;
      const resolver = new WorkspaceSettingsResolver({ db, ttlMs: 1000, now: () => clock });
      expect((await resolver.resolve('ws-c')).rate_limit_per_minute).toBeNull();
      await setWorkspaceSettings(db, 'ws-c', { rate_limit_per_minute: 3 });
      expect((await resolver.resolve('ws-c')).rate_limit_per_minute).toBeNull();
      clock = 1001;
      expect((await resolver.resolve('ws-c')).rate_limit_per_minute).toBe(3);
    });
  });

  describe('revoking within a workspace', () => {
    it('does not touch a key of another workspace', async () => {
      const db = t().db;
      const { key } = await createApiKey(db, { workspace_id: 'ws-k', actor_id: 'al', scopes: ['admin'] });
      expect(await revokeApiKey(db, key.id, { workspace_id: 'ws-other' })).toBeNull();
      expect((await revokeApiKey(db, key.id, { workspace_id: 'ws-k' }))?.revoked_at).not.toBeNull();
    });
  });

  describe('the audit listing and erase', () => {
    const at = (n: number) => new Date(Date.UTC(2026, 10, 30, 12, 0, 0, 0) + n * 1000);
    async function insert(ws: string, actor: string, n: number, extra: Record<string, unknown> = {}): Promise<string> {
      const id = randomUUID();
      await t().db.query(
        'INSERT INTO action_audit (id, at, workspace_id, actor_id, action, event, outcome, job_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
        [id, at(n), ws, actor, extra.action ?? 'echo', extra.event ?? 'completed', 'success', extra.job_id ?? null],
      );
      return id;
    }

    it('pages newest first through every row of the workspace once, and filters', async () => {
      for (let n = 0; n < 7; n++) await insert('ws-l', n % 2 ? 'bob' : 'al', n, { job_id: `j${n}` });
      await insert('ws-l', 'al', 3); // same instant as another row: the id breaks the tie
      await insert('ws-other', 'al', 9);
      const seen: AuditRecord[] = [];
      let cursor: string | undefined;
      do {
        const page = await listAudit(t().db, { workspace_id: 'ws-l', limit: 3, cursor });
        seen.push(...page.rows);
        cursor = page.next_cursor ?? undefined;
      } while (cursor);
      expect(seen).toHaveLength(8);
      expect(new Set(seen.map((r) => r.id)).size).toBe(8);
      expect(seen.every((r) => r.workspace_id === 'ws-l')).toBe(true);
      const times = seen.map((r) => r.at);
      expect([...times].sort().reverse()).toEqual(times);
      const bobs = await listAudit(t().db, { workspace_id: 'ws-l', actor_id: 'bob' });
      expect(bobs.rows.map((r) => r.job_id)).toEqual(['j5', 'j3', 'j1']);
      const window = await listAudit(t().db, { workspace_id: 'ws-l', since: at(2), until: at(4) });
      expect(window.rows).toHaveLength(3);
      expect((await listAudit(t().db, { workspace_id: 'ws-l', job_id: 'j6' })).rows).toHaveLength(1);
    });

    it('refuses a forged cursor and a bad limit', async () => {
      await expect(listAudit(t().db, { workspace_id: 'ws-l', cursor: 'bm9wZQ' })).rejects.toBeInstanceOf(AuditCursorError);
      await expect(listAudit(t().db, { workspace_id: 'ws-l', limit: 0 })).rejects.toThrow('limit');
    });

    it('erases one actor, then the whole workspace, and says how many', async () => {
      for (let n = 0; n < 3; n++) await insert('ws-e', 'al', n);
      await insert('ws-e', 'bob', 4);
      await insert('ws-keep', 'al', 5);
      expect(await eraseAudit(t().db, 'ws-e', 'al')).toBe(3);
      expect((await listAudit(t().db, { workspace_id: 'ws-e' })).rows.map((r) => r.actor_id)).toEqual(['bob']);
      expect(await eraseAudit(t().db, 'ws-e')).toBe(1);
      expect((await listAudit(t().db, { workspace_id: 'ws-keep' })).rows).toHaveLength(1);
    });
  });
});
