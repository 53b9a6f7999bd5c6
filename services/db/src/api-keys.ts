/**
 * API keys: random 256-bit secrets shown once (`oc_live_` + 43 base64url characters), kept
 * only as a SHA-256 hash, each bound to one workspace, one actor and a set of scopes, with an
 * optional expiry and revocation. A slow password hash would buy nothing here: the secret has
 * full entropy, so its hash cannot be searched.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { WORKSPACE_ID_PATTERN } from '@opsconductor/jobs';
import type { Queryable } from './database';

export const SCOPES = ['actions:preview', 'actions:execute', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export const KEY_PREFIX = 'oc_live_';
const SECRET_PATTERN = /^oc_live_[A-Za-z0-9_-]{43}$/;
/** Actor ids: what a key names as its actor (and what the API accepts for one). */
export const ACTOR_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.@:-]{0,127}$/;

export interface ApiKey {
  id: string;
  /** The visible start of the key, e.g. `oc_live_Ab3x`. */
  prefix: string;
  workspace_id: string;
  actor_id: string;
  scopes: Scope[];
  name: string | null;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
}

export interface NewApiKey {
  workspace_id: string;
  actor_id: string;
  scopes: readonly string[];
  name?: string;
  expires_at?: Date;
}

/** What a request's key grants. */
export interface KeyGrant {
  key_id: string;
  workspace_id: string;
  actor_id: string;
  scopes: Scope[];
}

export class ApiKeyInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

export const hashSecret = (secret: string): string => createHash('sha256').update(secret).digest('hex');

interface KeyRow {
  id: string;
  prefix: string;
  secret_hash: string;
  workspace_id: string;
  actor_id: string;
  scopes: string[];
  name: string | null;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
}

const COLUMNS = 'id, prefix, secret_hash, workspace_id, actor_id, scopes, name, created_at, expires_at, revoked_at';

const toKey = (row: KeyRow): ApiKey => ({
  id: row.id,
  prefix: row.prefix,
  workspace_id: row.workspace_id,
  actor_id: row.actor_id,
  scopes: row.scopes as Scope[],
  name: row.name,
  created_at: row.created_at.toISOString(),
  expires_at: row.expires_at?.toISOString() ?? null,
  revoked_at: row.revoked_at?.toISOString() ?? null,
});

function checkNewKey(input: NewApiKey): Scope[] {
  if (typeof input.workspace_id !== 'string' || !WORKSPACE_ID_PATTERN.test(input.workspace_id)) {
    throw new ApiKeyInputError('workspace_id', `must match ${WORKSPACE_ID_PATTERN.source}`);
  }
  if (typeof input.actor_id !== 'string' || !ACTOR_PATTERN.test(input.actor_id)) {
    throw new ApiKeyInputError('actor_id', `must match ${ACTOR_PATTERN.source}`);
  }
  const scopes = [...new Set(input.scopes)];
  const unknown = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (scopes.length === 0 || unknown.length > 0) {
    throw new ApiKeyInputError('scopes', `one or more of ${SCOPES.join(', ')}${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}`);
  }
  if (input.name !== undefined && (typeof input.name !== 'string' || input.name.length > 200)) {
    throw new ApiKeyInputError('name', 'at most 200 characters');
  }
  if (input.expires_at !== undefined && !(input.expires_at instanceof Date && Number.isFinite(input.expires_at.getTime()))) {
    throw new ApiKeyInputError('expires_at', 'must be a date');
  }
  return scopes as Scope[];
}

/** Creates a key; the secret is returned here once and never stored. */
export async function createApiKey(db: Queryable, input: NewApiKey): Promise<{ key: ApiKey; secret: string }> {
  const scopes = checkNewKey(input);
  const secret = KEY_PREFIX + randomBytes(32).toString('base64url');
  const { rows } = await db.query<KeyRow>(
    `INSERT INTO api_keys (id, prefix, secret_hash, workspace_id, actor_id, scopes, name, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${COLUMNS}`,
    [randomUUID(), secret.slice(0, KEY_PREFIX.length + 4), hashSecret(secret), input.workspace_id, input.actor_id, scopes, input.name ?? null, input.expires_at ?? null],
  );
  return { key: toKey(rows[0] as KeyRow), secret };
}

/** Keys newest first, of one workspace or all. */
export async function listApiKeys(db: Queryable, opts: { workspace_id?: string } = {}): Promise<ApiKey[]> {
  const { rows } = opts.workspace_id
    ? await db.query<KeyRow>(`SELECT ${COLUMNS} FROM api_keys WHERE workspace_id = $1 ORDER BY created_at DESC, id`, [opts.workspace_id])
    : await db.query<KeyRow>(`SELECT ${COLUMNS} FROM api_keys ORDER BY created_at DESC, id`);
  return rows.map(toKey);
}

/**
 * Revokes a key (once: a second revoke keeps the first time). Null when no such key, or when
 * `workspace_id` is given and the key belongs to another workspace.
 */
export async function revokeApiKey(db: Queryable, id: string, opts: { workspace_id?: string } = {}): Promise<ApiKey | null> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return null;
  const { rows } = await db.query<KeyRow>(
    `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 AND ($2::text IS NULL OR workspace_id = $2) RETURNING ${COLUMNS}`,
    [id, opts.workspace_id ?? null],
  );
  return rows[0] ? toKey(rows[0]) : null;
}

/**
 * What a presented secret grants, or null: malformed, unknown, revoked or expired keys all
 * answer the same. The row is found by the hash; the hashes are then compared in constant time.
 */
export async function resolveApiKey(db: Queryable, secret: string, now: Date = new Date()): Promise<KeyGrant | null> {
  if (typeof secret !== 'string' || !SECRET_PATTERN.test(secret)) return null;
  const hash = hashSecret(secret);
  const { rows } = await db.query<KeyRow>(`SELECT ${COLUMNS} FROM api_keys WHERE secret_hash = $1`, [hash]);
  const row = rows[0];
  if (!row || !timingSafeEqual(Buffer.from(row.secret_hash, 'hex'), Buffer.from(hash, 'hex'))) return null;
  if (row.revoked_at !== null || (row.expires_at !== null && row.expires_at.getTime() <= now.getTime())) return null;
  return { key_id: row.id, workspace_id: row.workspace_id, actor_id: row.actor_id, scopes: row.scopes as Scope[] };
}
