/**
 * API keys for the benches that call the automation-service, made on the mesh's own database
 * (the launcher's embedded PGlite, or DATABASE_URL), one per workspace. Each bench workspace
 * also gets the highest per-workspace rate limit there is, so the limit (default 100 requests
 * a minute) never shapes a figure; a bench that was refused anyway fails (see `refusedByLimit`).
 */
import { createApiKey, openDatabase, setWorkspaceSettings } from '@opsconductor/db';

/** The most a workspace setting allows (`setWorkspaceSettings` refuses more): ~16,700 requests/s. */
export const BENCH_RATE_LIMIT_PER_MINUTE = 1_000_000;

/** The `authorization` header value of a new key for each workspace, in the same order. */
export async function createBenchKeys(databaseUrl: string, workspaces: readonly string[]): Promise<string[]> {
  const db = await openDatabase({ url: databaseUrl, maxConnections: 1 });
  try {
    const authorizations: string[] = [];
    for (const workspace of workspaces) {
      const { secret } = await createApiKey(db, { workspace_id: workspace, actor_id: 'bench', scopes: ['actions:preview', 'actions:execute'], name: 'bench' });
      await setWorkspaceSettings(db, workspace, { rate_limit_per_minute: BENCH_RATE_LIMIT_PER_MINUTE });
      authorizations.push(`Bearer ${secret}`);
    }
    return authorizations;
  } finally {
    await db.close();
  }
}

/** Fails a bench whose requests were refused with 429: its figures would measure the limit, not the path. */
export function refusedByLimit(bench: string, refused: number): void {
  if (refused > 0) {
    throw new Error(`${bench}: ${refused} requests were refused with 429 (a rate limit was reached): the figures would be the limit's, so none are reported`);
  }
}

/** Which database the mesh of a bench used, for its notes (the launcher's rule: DATABASE_URL, else embedded). */
export function databaseNote(): string {
  return process.env.DATABASE_URL
    ? 'the PostgreSQL of DATABASE_URL'
    : "the launcher's embedded PGlite, served from the bench's own process (key and settings lookups are cached; audit rows are written to it in batches)";
}
