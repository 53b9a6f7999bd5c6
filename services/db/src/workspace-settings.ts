/**
 * Per-workspace settings an operator sets (`pnpm keys settings`): the request rate limit, the
 * action allowlist and the hosts webhook.post may call. NULL means "the service default", so a
 * workspace without a row behaves like every other (for webhook hosts the default is none).
 */
import { ACTION_PATTERN, WORKSPACE_ID_PATTERN } from '@opsconductor/jobs';
import { ApiKeyInputError } from './api-keys';
import { CachedLookup } from './cached-lookup';
import type { Queryable } from './database';

export interface WorkspaceSettings {
  workspace_id: string;
  rate_limit_per_minute: number | null;
  allowed_actions: string[] | null;
  /** Exact, lower-case host names webhook.post may post to; null or empty: none. */
  webhook_hosts: string[] | null;
}

/** A change: a value sets it, null resets it to the default, absent leaves it. */
export interface WorkspaceSettingsChange {
  rate_limit_per_minute?: number | null;
  allowed_actions?: string[] | null;
  webhook_hosts?: string[] | null;
}

/**
 * A host name as URL parsing spells it: lower-case labels, an IPv4 literal, or an IPv6 literal
 * in brackets. Exact names only: no wildcards, no ports (any port of an allowed host is allowed).
 */
export const WEBHOOK_HOST_PATTERN = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|\[[0-9a-f:.]{2,45}\])$/;

const defaults = (workspace_id: string): WorkspaceSettings => ({ workspace_id, rate_limit_per_minute: null, allowed_actions: null, webhook_hosts: null });
const COLUMNS = 'workspace_id, rate_limit_per_minute, allowed_actions, webhook_hosts';

export async function getWorkspaceSettings(db: Queryable, workspaceId: string): Promise<WorkspaceSettings> {
  const { rows } = await db.query<WorkspaceSettings>(
    `SELECT ${COLUMNS} FROM workspace_settings WHERE workspace_id = $1`,
    [workspaceId],
  );
  return rows[0] ?? defaults(workspaceId);
}

function checkChange(workspaceId: string, change: WorkspaceSettingsChange): void {
  if (!WORKSPACE_ID_PATTERN.test(workspaceId)) throw new ApiKeyInputError('workspace_id', `must match ${WORKSPACE_ID_PATTERN.source}`);
  const limit = change.rate_limit_per_minute;
  if (limit !== undefined && limit !== null && !(Number.isInteger(limit) && limit > 0 && limit <= 1_000_000)) {
    throw new ApiKeyInputError('rate_limit_per_minute', 'must be an integer from 1 to 1000000');
  }
  const actions = change.allowed_actions;
  if (actions !== undefined && actions !== null) {
    const bad = actions.filter((a) => !ACTION_PATTERN.test(a));
    if (bad.length > 0) throw new ApiKeyInputError('allowed_actions', `not action names: ${bad.join(', ')}`);
  }
  const hosts = change.webhook_hosts;
  if (hosts !== undefined && hosts !== null) {
    const bad = hosts.filter((h) => h.length > 253 || !WEBHOOK_HOST_PATTERN.test(h));
    if (bad.length > 0) throw new ApiKeyInputError('webhook_hosts', `not lower-case host names: ${bad.join(', ')}`);
  }
}

/** Applies a change (an upsert) and returns the settings as they now are. */
export async function setWorkspaceSettings(db: Queryable, workspaceId: string, change: WorkspaceSettingsChange): Promise<WorkspaceSettings> {
  checkChange(workspaceId, change);
  const { rows } = await db.query<WorkspaceSettings>(
    `INSERT INTO workspace_settings (workspace_id, rate_limit_per_minute, allowed_actions, webhook_hosts) VALUES ($1, $2, $3, $6)
     ON CONFLICT (workspace_id) DO UPDATE SET
       rate_limit_per_minute = CASE WHEN $4 THEN EXCLUDED.rate_limit_per_minute ELSE workspace_settings.rate_limit_per_minute END,
       allowed_actions = CASE WHEN $5 THEN EXCLUDED.allowed_actions ELSE workspace_settings.allowed_actions END,
       webhook_hosts = CASE WHEN $7 THEN EXCLUDED.webhook_hosts ELSE workspace_settings.webhook_hosts END,
       updated_at = now()
     RETURNING ${COLUMNS}`,
    [
      workspaceId,
      change.rate_limit_per_minute ?? null,
      change.allowed_actions ? [...new Set(change.allowed_actions)] : null,
      change.rate_limit_per_minute !== undefined,
      change.allowed_actions !== undefined,
      change.webhook_hosts ? [...new Set(change.webhook_hosts)] : null,
      change.webhook_hosts !== undefined,
    ],
  );
  return rows[0] as WorkspaceSettings;
}

/** The settings of every request, cached like keys (default 2 s), so a change applies within seconds. */
export class WorkspaceSettingsResolver {
  private readonly lookup: CachedLookup<WorkspaceSettings>;

  constructor(private readonly opts: { db: Queryable; ttlMs?: number; maxEntries?: number; now?: () => number }) {
    this.lookup = new CachedLookup({ ttlMs: opts.ttlMs ?? 2000, maxEntries: opts.maxEntries ?? 10_000, now: opts.now ?? Date.now });
  }

  resolve(workspaceId: string): Promise<WorkspaceSettings> {
    return this.lookup.get(workspaceId, () => getWorkspaceSettings(this.opts.db, workspaceId));
  }
}
