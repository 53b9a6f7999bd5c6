/**
 * The admin listener, the part of Kong's Admin API (KONG_ADMIN_LISTEN) a canary rollout uses,
 * so the same script drives Kong and the stand-in:
 *   POST /config                    load a declarative config (kong/api/routes/config.lua)
 *   GET  /config                    the running config, as YAML text
 *   GET  /upstreams/{name}          the upstream
 *   GET  /upstreams/{name}/targets  its targets with their weights
 *   GET  /status, /metrics          as on the status listener
 * Answers use Kong's bodies (`{"message": ...}`, code 14 for an invalid config), not the
 * services' envelope: scripts written against Kong read them. Only weight changes are applied
 * live (./live-config.ts).
 */
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { createMetricsApp } from '@opsconductor/kit';
import type { ConnectionStats } from './connection-stats';
import { configurationHash } from './kong-config/load';
import { findUpstream, kongTargets, kongUpstream } from './kong-entities';
import type { LiveConfig } from './live-config';
import { kongStatus } from './status-app';

export interface AdminAppDeps {
  registry: Registry;
  logger: Logger;
  connections: ConnectionStats;
  live: LiveConfig;
}

/** Kong's code and name of an invalid declarative config (kong/db/errors.lua, DECLARATIVE_CONFIG). */
const INVALID_DECLARATIVE_CONFIG = { code: 14, name: 'invalid declarative configuration' } as const;

export function createAdminApp(deps: AdminAppDeps): FastifyInstance {
  const { live } = deps;
  const app = createMetricsApp({ registry: deps.registry, logger: deps.logger, service: 'gateway-local', readiness: [] });
  // Kong reads the config from a JSON body, a form field, or the raw body (YAML or JSON text).
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) =>
    done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.get('/status', async () => kongStatus(deps.connections, live.hash));
  app.get('/config', async () => ({ config: asYaml(live.text) }));

  app.post('/config', async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const body = request.body;
    const checkHash = String(query.check_hash ?? (isRecord(body) ? body.check_hash : undefined)) === '1';
    const submitted = submittedConfig(body);
    if (!submitted) return reply.code(400).send({ message: 'expected a declarative configuration' });
    // As in Kong, only a config sent as text is compared by hash (a JSON table has no text of its own).
    if (checkHash && !submitted.fromTable && configurationHash(submitted.text) === live.hash) return reply.code(304).send();

    const result = live.apply(submitted.text);
    if (result.outcome === 'applied') return reply.code(201).send(result.config);
    if (result.outcome === 'invalid') {
      request.log.warn({ problems: result.problems.length }, 'config refused: invalid');
      return invalidConfig(reply, result.problems);
    }
    request.log.warn({ changed: result.changed }, 'config refused: needs a restart');
    return reply.code(400).send({
      message:
        'the local gateway applies only upstream target weights live; restart it with GATEWAY_CONFIG pointing at the new file ' +
        `to apply other changes (this config differs at: ${result.changed.join(', ')})`,
    });
  });

  app.get<{ Params: { name: string } }>('/upstreams/:name', async (request, reply) => {
    const upstream = findUpstream(live.config.upstreams, request.params.name);
    return upstream ? kongUpstream(upstream, live.loadedAtS) : notFound(reply);
  });
  app.get<{ Params: { name: string } }>('/upstreams/:name/targets', async (request, reply) => {
    const upstream = findUpstream(live.config.upstreams, request.params.name);
    return upstream ? { data: kongTargets(upstream, live.loadedAtS), next: null } : notFound(reply);
  });

  app.setNotFoundHandler((_request, reply) => notFound(reply));
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode;
    if (status !== undefined && status >= 400 && status < 500) return reply.code(status).send({ message: error.message });
    request.log.error({ err: error }, 'unexpected error');
    return reply.code(500).send({ message: 'An unexpected error occurred' });
  });
  return app;
}

/**
 * The config text of a POST /config body: the body itself when it is the config (it has
 * `_format_version`), else its `config` field, else a raw (YAML or JSON) body.
 */
function submittedConfig(body: unknown): { text: string; fromTable: boolean } | undefined {
  if (typeof body === 'string') return body.trim() === '' ? undefined : { text: body, fromTable: false };
  if (!isRecord(body)) return undefined;
  if (body._format_version !== undefined) {
    // Kong takes its own options off the parameters before reading them as the config.
    const { check_hash: _checkHash, flatten_errors: _flattenErrors, ...config } = body;
    return { text: JSON.stringify(config), fromTable: true };
  }
  const config = body.config;
  if (typeof config === 'string' && config.trim() !== '') return { text: config, fromTable: false };
  if (isRecord(config)) return { text: JSON.stringify(config), fromTable: true };
  return undefined;
}

/** Kong's 400 for a config its schemas refuse: the problems in `message`, and by field in `fields`. */
function invalidConfig(reply: FastifyReply, problems: string[]): FastifyReply {
  const fields: Record<string, string> = {};
  for (const problem of problems) {
    const split = problem.indexOf(': ');
    const field = split === -1 ? '(file)' : problem.slice(0, split);
    const message = split === -1 ? problem : problem.slice(split + 2);
    fields[field] = fields[field] === undefined ? message : `${fields[field]}; ${message}`;
  }
  return reply.code(400).send({ ...INVALID_DECLARATIVE_CONFIG, message: `declarative config is invalid: ${problems.join('; ')}`, fields });
}

function notFound(reply: FastifyReply): FastifyReply {
  return reply.code(404).send({ message: 'Not found' });
}

/** A config given as JSON (a table, or JSON text) is shown as YAML, as Kong's export is. */
function asYaml(text: string): string {
  if (!/^\s*[{[]/.test(text)) return text;
  try {
    return stringifyYaml(JSON.parse(text) as unknown);
  } catch {
    return stringifyYaml(parseYaml(text) as unknown);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
