/**
 * Builds the real automation-service (createApp + the undici client) on ephemeral ports
 * against a given ai-pipeline URL, and a small HTTP client for the tests to call it with.
 */
import { once } from 'node:events';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Agent, request } from 'undici';
import { createLogger, createMetrics, createMetricsApp } from '@opsconductor/kit';
import type { HttpMetrics } from '@opsconductor/kit';
import { captureLogs } from '@opsconductor/kit/testing';
import { AuditWriter, createApiKey, createAuditMetrics, KeyResolver, migrate, WorkspaceSettingsResolver } from '@opsconductor/db';
import type { Database, Scope } from '@opsconductor/db';
import { freshPostgres } from '@opsconductor/db/testing';
import { SERVICE_NAME, createApp } from '../src/app';
import type { AccessDeps, JobsDeps } from '../src/app';
import { createAiPipelineClient } from '@opsconductor/pipeline-client';
import type { ActionPlanner, AiPipeline } from '@opsconductor/pipeline-client';

export interface ServiceUnderTest {
  url: string;
  metricsUrl: string;
  app: FastifyInstance;
  pipeline: AiPipeline;
  metrics: HttpMetrics;
  logs: ReturnType<typeof captureLogs>;
  /** The service's own database (a fresh one on the real PostgreSQL server), migrated. */
  db: Database;
  /** Authorization of a key with every scope, in workspace `test-ws` (actor `tester`). */
  auth: Record<string, string>;
  /** Authorization of a new key of that workspace, actor and scopes (default: every scope). */
  keyFor(workspaceId: string, actorId?: string, scopes?: Scope[]): Promise<Record<string, string>>;
  /** Closes (drains) the API app only; safe to call before close(). */
  closeApp(): Promise<void>;
  close(): Promise<void>;
}

export interface ServiceOptions {
  pipelineUrl: string;
  timeoutMs?: number;
  bodyLimitBytes?: number;
  /** Replaces the real client (only to provoke failures the real one cannot produce). */
  pipeline?: AiPipeline & ActionPlanner;
  /** Serves the jobs routes on this Redis client (the caller closes it). */
  jobs?: JobsDeps;
  /** Replaces parts of the access wiring (keys, settings, audit on the test database by default). */
  access?: Partial<AccessDeps> | ((db: Database) => Partial<AccessDeps>);
}

export const ALL_SCOPES: Scope[] = ['actions:preview', 'actions:execute', 'admin'];

export async function startService(opts: ServiceOptions): Promise<ServiceUnderTest> {
  const logs = captureLogs();
  const logger = createLogger({ service: SERVICE_NAME, level: 'debug', destination: logs.stream });
  const metrics = createMetrics({ service: SERVICE_NAME });
  const realPipeline = createAiPipelineClient({ baseUrl: opts.pipelineUrl, timeoutMs: opts.timeoutMs ?? 5000, connections: 4 });
  const pipeline = opts.pipeline ?? realPipeline;
  const database = await freshPostgres();
  const db = database.db;
  await migrate(db);
  const audit = new AuditWriter({ db, metrics: createAuditMetrics(metrics.registry), logger, flushMs: 10 });
  const keyFor = async (workspaceId: string, actorId = 'tester', scopes: Scope[] = ALL_SCOPES) => {
    const { secret } = await createApiKey(db, { workspace_id: workspaceId, actor_id: actorId, scopes });
    return { authorization: `Bearer ${secret}` };
  };
  const access: AccessDeps = {
    keys: new KeyResolver({ db }),
    settings: new WorkspaceSettingsResolver({ db }),
    db,
    audit,
    ...(typeof opts.access === 'function' ? opts.access(db) : opts.access),
  };
  const app = createApp({ logger, metrics, pipeline, tools: realPipeline, bodyLimitBytes: opts.bodyLimitBytes, jobs: opts.jobs, access });
  const metricsApp = createMetricsApp({ registry: metrics.registry, logger, service: SERVICE_NAME });
  await app.listen({ host: '127.0.0.1', port: 0 });
  await metricsApp.listen({ host: '127.0.0.1', port: 0 });
  let appClosed: Promise<void> | undefined;
  // Fastify's close() must run once: a second call on a closed instance never settles.
  const closeApp = () => (appClosed ??= app.close());
  return {
    url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
    metricsUrl: `http://127.0.0.1:${(metricsApp.server.address() as AddressInfo).port}`,
    app,
    pipeline,
    metrics,
    logs,
    db,
    auth: await keyFor('test-ws'),
    keyFor,
    closeApp,
    close: async () => {
      await closeApp();
      await metricsApp.close();
      await realPipeline.close();
      await audit.close();
      await database.drop();
    },
  };
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: Record<string, unknown>;
  text: string;
}

/** The tests' HTTP client; one agent per test file, closed in afterAll. */
export function createCaller() {
  const agent = new Agent({ connections: 8 });
  // Sent with every call unless the call names the header itself (tests of auth send their own).
  let defaults: Record<string, string> = {};
  const call = async (
    url: string,
    opts: { method?: 'GET' | 'POST'; body?: unknown; raw?: string; headers?: Record<string, string | string[]>; signal?: AbortSignal } = {},
  ): Promise<Answer> => {
    const hasBody = opts.body !== undefined || opts.raw !== undefined;
    const res = await request(url, {
      method: opts.method ?? (hasBody ? 'POST' : 'GET'),
      dispatcher: agent,
      headers: { ...(opts.raw === undefined && hasBody ? { 'content-type': 'application/json' } : {}), ...defaults, ...opts.headers },
      body: opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)),
      signal: opts.signal,
    });
    const text = await res.body.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // not JSON (e.g. /metrics); tests read `text`
    }
    return { status: res.statusCode, headers: res.headers, json, text };
  };
  /** Sends these headers (e.g. a service's `auth`) with every call from now on. */
  const useHeaders = (headers: Record<string, string>) => {
    defaults = headers;
  };
  return { call, useHeaders, close: () => agent.close() };
}

/** A port nothing listens on: bound, then released. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
