/**
 * The config schemas of the five plugins kong.yml uses, as Kong 3.9 defines them
 * (kong/plugins/<name>/schema.lua): every field, its type, enum, default and cross-field
 * rule. Other bundled plugins are known by name only (the stand-in implements none of them).
 */
import { z } from 'zod';
import { HTTP_PROTOCOLS, PROTOCOLS, asteriskOrRegex, headerName, host, path, port, timeoutMs } from './kong-rules';

/** Plugins bundled with Kong 3.9 OSS: valid names in kong.yml, even where the stand-in refuses them. */
export const KONG_BUNDLED_PLUGINS = new Set([
  'acl', 'acme', 'ai-prompt-decorator', 'ai-prompt-guard', 'ai-prompt-template', 'ai-proxy',
  'ai-request-transformer', 'ai-response-transformer', 'aws-lambda', 'azure-functions', 'basic-auth',
  'bot-detection', 'correlation-id', 'cors', 'datadog', 'file-log', 'grpc-gateway', 'grpc-web', 'hmac-auth',
  'http-log', 'ip-restriction', 'jwt', 'key-auth', 'ldap-auth', 'loggly', 'oauth2', 'opentelemetry',
  'post-function', 'pre-function', 'prometheus', 'proxy-cache', 'rate-limiting', 'redirect',
  'request-size-limiting', 'request-termination', 'request-transformer', 'response-ratelimiting',
  'response-transformer', 'session', 'standard-webhooks', 'statsd', 'syslog', 'tcp-log', 'udp-log', 'zipkin',
]);

const CORS_METHODS = ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT'] as const;
export const RATE_LIMIT_PERIODS = ['second', 'minute', 'hour', 'day', 'month', 'year'] as const;
export type RateLimitPeriod = (typeof RATE_LIMIT_PERIODS)[number];
const SYNC_RATE_REALTIME = -1;

const bool = (fallback: boolean) => z.boolean({ message: 'expected a boolean' }).default(fallback);
const oneOf = <const T extends readonly [string, ...string[]]>(values: T) => z.enum(values, { message: `expected one of: ${values.join(', ')}` });

export const correlationIdConfig = z.strictObject({
  header_name: z.string().default('Kong-Request-ID'),
  generator: oneOf(['uuid', 'uuid#counter', 'tracker']).default('uuid#counter'),
  echo_downstream: bool(false),
});

export const corsConfig = z.strictObject({
  origins: z.array(asteriskOrRegex).optional(),
  headers: z.array(z.string()).optional(),
  exposed_headers: z.array(z.string()).optional(),
  methods: z.array(oneOf(CORS_METHODS)).default([...CORS_METHODS]),
  max_age: z.number({ message: 'expected a number' }).optional(),
  credentials: bool(false),
  private_network: bool(false),
  preflight_continue: bool(false),
});

export const requestSizeLimitingConfig = z.strictObject({
  allowed_payload_size: z.number({ message: 'expected an integer' }).int('expected an integer').default(128),
  size_unit: oneOf(['megabytes', 'kilobytes', 'bytes']).default('megabytes'),
  require_content_length: bool(false),
});

/** kong/tools/redis/schema.lua: the nested `redis:` block of Kong 3.6+. */
const redisConfig = z
  .strictObject({
    host: host.optional(),
    port: port.optional(),
    timeout: timeoutMs.default(2000),
    username: z.string().optional(),
    password: z.string().optional(),
    database: z.number().int().default(0),
    ssl: bool(false),
    ssl_verify: bool(false),
    server_name: z.string().optional(),
  })
  .superRefine((redis, ctx) => {
    if ((redis.host === undefined) !== (redis.port === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'all or none of these fields must be set: host, port' });
    }
  });

const limit = z.number({ message: 'expected a number' }).gt(0, 'value must be greater than 0').optional();

export const rateLimitingConfig = z
  .strictObject({
    second: limit,
    minute: limit,
    hour: limit,
    day: limit,
    month: limit,
    year: limit,
    limit_by: oneOf(['consumer', 'credential', 'ip', 'service', 'header', 'path']).default('consumer'),
    header_name: headerName.optional(),
    path: path.optional(),
    // DB-less Kong offers no `cluster` policy (it needs a database).
    policy: oneOf(['local', 'redis']).default('local'),
    fault_tolerant: bool(true),
    redis: redisConfig.optional(),
    hide_client_headers: bool(false),
    error_code: z.number({ message: 'expected a number' }).gt(0, 'value must be greater than 0').default(429),
    error_message: z.string().default('API rate limit exceeded'),
    sync_rate: z.number({ message: 'expected a number' }).default(SYNC_RATE_REALTIME),
    // Deprecated flat redis_* fields: Kong 3.9 still translates them into `redis`.
    redis_host: z.string().optional(),
    redis_port: z.number().int().optional(),
    redis_password: z.string().optional(),
    redis_username: z.string().optional(),
    redis_ssl: z.boolean().optional(),
    redis_ssl_verify: z.boolean().optional(),
    redis_server_name: z.string().optional(),
    redis_timeout: z.number().int().optional(),
    redis_database: z.number().int().optional(),
  })
  .superRefine((config, ctx) => {
    const set = RATE_LIMIT_PERIODS.filter((p) => config[p] !== undefined);
    if (set.length === 0) {
      ctx.addIssue({ code: 'custom', message: `at least one of these fields must be non-empty: ${RATE_LIMIT_PERIODS.join(', ')}` });
    }
    // A longer period may not allow fewer requests than a shorter one.
    for (const [i, lower] of RATE_LIMIT_PERIODS.entries()) {
      for (const upper of RATE_LIMIT_PERIODS.slice(i + 1)) {
        const lo = config[lower];
        const hi = config[upper];
        if (lo !== undefined && hi !== undefined && hi < lo) {
          ctx.addIssue({ code: 'custom', path: [upper], message: `The limit for ${upper}(${hi}) cannot be lower than the limit for ${lower}(${lo})` });
        }
      }
    }
    if (config.policy !== 'redis' && config.sync_rate !== SYNC_RATE_REALTIME) {
      ctx.addIssue({ code: 'custom', path: ['sync_rate'], message: 'sync_rate can only be used with the redis policy' });
    }
    if (config.policy === 'redis') {
      if (config.sync_rate !== SYNC_RATE_REALTIME && config.sync_rate < 0.02) {
        ctx.addIssue({ code: 'custom', path: ['sync_rate'], message: 'sync_rate must be greater than 0.02, or -1 to disable' });
      }
      if (!(config.redis?.host ?? config.redis_host)) ctx.addIssue({ code: 'custom', path: ['redis', 'host'], message: 'required field missing' });
      if ((config.redis?.port ?? config.redis_port) === undefined) ctx.addIssue({ code: 'custom', path: ['redis', 'port'], message: 'required field missing' });
    }
    if (config.limit_by === 'header' && config.header_name === undefined) {
      ctx.addIssue({ code: 'custom', path: ['header_name'], message: 'required field missing' });
    }
    if (config.limit_by === 'path' && config.path === undefined) {
      ctx.addIssue({ code: 'custom', path: ['path'], message: 'required field missing' });
    }
  });

export const prometheusConfig = z.strictObject({
  per_consumer: bool(false),
  status_code_metrics: bool(false),
  ai_metrics: bool(false),
  latency_metrics: bool(false),
  bandwidth_metrics: bool(false),
  upstream_health_metrics: bool(false),
});

/** The plugins modelled in full: config schema and the protocols their schema allows. */
export const MODELLED_PLUGINS = {
  'correlation-id': { config: correlationIdConfig, protocols: HTTP_PROTOCOLS },
  cors: { config: corsConfig, protocols: HTTP_PROTOCOLS },
  'request-size-limiting': { config: requestSizeLimitingConfig, protocols: HTTP_PROTOCOLS },
  'rate-limiting': { config: rateLimitingConfig, protocols: HTTP_PROTOCOLS },
  prometheus: { config: prometheusConfig, protocols: PROTOCOLS },
} as const;

export type ModelledPluginName = keyof typeof MODELLED_PLUGINS;
export type CorrelationIdConfig = z.infer<typeof correlationIdConfig>;
export type CorsConfig = z.infer<typeof corsConfig>;
export type RequestSizeLimitingConfig = z.infer<typeof requestSizeLimitingConfig>;
export type RateLimitingConfig = z.infer<typeof rateLimitingConfig>;
export type PrometheusConfig = z.infer<typeof prometheusConfig>;

export function isModelledPlugin(name: string): name is ModelledPluginName {
  return Object.hasOwn(MODELLED_PLUGINS, name);
}
