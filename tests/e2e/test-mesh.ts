/**
 * The mesh as the end-to-end suites start it: a fresh PostgreSQL database of its own (dropped
 * afterwards; faster to start than the embedded PGlite, whose default has a suite of its own),
 * a private data directory and Redis key prefix, and API keys made on that database for the
 * workspaces and actors a suite uses.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { createApiKey } from '@opsconductor/db';
import type { Database, Scope } from '@opsconductor/db';
import { freshPostgres } from '@opsconductor/db/testing';
import { freePorts, startMesh } from '@opsconductor/mesh';
import { startOtlpCollector } from './otlp-collector';
import type { OtlpCollector } from './otlp-collector';
import type { Mesh, MeshOptions } from '@opsconductor/mesh';

/**
 * The service default per workspace is 100 requests a minute; a suite sends more than that in
 * one workspace, so the default is raised out of reach. The suite that tests the limit sets a
 * low one for its own workspace (a workspace's own limit wins over the default).
 */
export const UNTHROTTLED_PER_MINUTE = 1_000_000;

export const ALL_SCOPES: Scope[] = ['actions:preview', 'actions:execute', 'admin'];
export const USER_SCOPES: Scope[] = ['actions:preview', 'actions:execute'];

export interface TestMesh {
  mesh: Mesh;
  /** The mesh's database (migrated by the launcher), for keys and workspace settings. */
  db: Database;
  /** This mesh's JOB_KEY_PREFIX: its jobs and rate-limit counters in Redis start with it. */
  prefix: string;
  /** With `traces: true`: the OTLP receiver every service exports its spans to. */
  traces: OtlpCollector | undefined;
  /** The `authorization` header of a new key of `workspace` and `actor` (default: preview and execute). */
  keyFor(workspace: string, actor: string, scopes?: Scope[]): Promise<{ authorization: string }>;
  /** Stops the mesh, deletes this mesh's Redis keys, drops the database and the data directory. */
  stop(): Promise<void>;
}

export interface TestMeshOptions {
  /** Names the data directory and the Redis key prefix. */
  name: string;
  env?: NodeJS.ProcessEnv;
  serviceEnv?: MeshOptions['serviceEnv'];
  /** Starts an OTLP receiver and has every service export its spans to it, in batches every 100 ms. */
  traces?: boolean;
  /** Passed to startMesh (default `off`); `required` runs the local Prometheus scraping the mesh. */
  prometheus?: MeshOptions['prometheus'];
  /** Passed to startMesh: how often Prometheus scrapes (default 5s). */
  prometheusScrapeInterval?: MeshOptions['prometheusScrapeInterval'];
  /** Passed to startMesh: the canary automation-service + ai-pipeline pair beside the stable one. */
  canary?: MeshOptions['canary'];
}

export async function startTestMesh(opts: TestMeshOptions): Promise<TestMesh> {
  const prefix = `e2e-${opts.name}-${randomBytes(4).toString('hex')}`;
  const dataDir = mkdtempSync(path.join(tmpdir(), `opsconductor-${opts.name}-`));
  const database = await freshPostgres();
  const traces = opts.traces ? await startOtlpCollector() : undefined;
  const tracingEnv = traces ? { OTEL_EXPORTER_OTLP_ENDPOINT: traces.url, OTEL_BSP_SCHEDULE_DELAY: '100' } : {};
  let mesh: Mesh;
  try {
    mesh = await startMesh({
      ports: await freePorts(),
      dataDir,
      databaseUrl: database.url,
      devKey: false,
      prometheus: opts.prometheus,
      ...(opts.prometheusScrapeInterval ? { prometheusScrapeInterval: opts.prometheusScrapeInterval } : {}),
      ...(opts.canary ? { canary: opts.canary } : {}),
      env: { JOB_KEY_PREFIX: prefix, ...tracingEnv, ...opts.env },
      serviceEnv: {
        ...opts.serviceEnv,
        'automation-service': { RATE_LIMIT_PER_MINUTE: String(UNTHROTTLED_PER_MINUTE), ...opts.serviceEnv?.['automation-service'] },
      },
    });
  } catch (err) {
    await database.drop();
    await traces?.close();
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }

  return {
    mesh,
    db: database.db,
    prefix,
    traces,
    async keyFor(workspace, actor, scopes = USER_SCOPES) {
      const { secret } = await createApiKey(database.db, { workspace_id: workspace, actor_id: actor, scopes, name: `e2e ${opts.name}` });
      return { authorization: `Bearer ${secret}` };
    },
    async stop() {
      try {
        await mesh.stop();
        // A redis-server the launcher started kept its data in dataDir, removed below.
        if (!mesh.redis.started) await deleteKeys(mesh.urls.redis, prefix);
      } finally {
        await database.drop();
        await traces?.close();
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}

/** Job keys carry the prefix in a hash tag (`{prefix:p0}…`), the rate-limit counters plainly (`prefix:ratelimit:…`). */
export async function deleteKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    for (const pattern of [`{${prefix}*`, `${prefix}*`]) {
      for await (const keys of redis.scanStream({ match: pattern, count: 1000 }) as AsyncIterable<string[]>) {
        if (keys.length) await redis.del(...keys);
      }
    }
  } finally {
    await redis.quit();
  }
}
