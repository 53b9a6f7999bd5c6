/**
 * The config schemas of the six plugins kong.yml uses, as Kong 3.9 defines them
 * (kong/plugins/<name>/schema.lua and the typedefs they use): every field, its type, enum,
 * default and cross-field rule. Other bundled plugins are known by name only (the stand-in
 * implements none of them).
 */
import { z } from 'zod';
import { HTTP_PROTOCOLS, PROTOCOLS, asteriskOrRegex, headerName, host, path, port, timeoutMs, url } from './kong-rules';

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
const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: (issue) => (issue.input === undefined ? 'required field missing' : `expected one of: ${values.join(', ')}`) });
const between = (min: number, max: number, integer = false) => {
  const number = z.number({ message: integer ? 'expected an integer' : 'expected a number' });
  const range = `value should be between ${min} and ${max}`;
  return (integer ? number.int('expected an integer') : number).min(min, range).max(max, range);
};

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

/** typedefs.timeout: milliseconds, 0 .. 2^31-2 (plugin fields, unlike a service's, allow 0). */
const pluginTimeout = (fallback: number) => between(0, 2 ** 31 - 2, true).default(fallback);

/** kong/tools/queue_schema.lua (3.8+, with concurrency_limit): the queue of a plugin that sends batches. */
const queueConfig = z.strictObject({
  max_batch_size: between(1, 1_000_000, true).default(1),
  max_coalescing_delay: between(0, 3600).default(1),
  max_entries: between(1, 1_000_000, true).default(10000),
  max_bytes: z.number({ message: 'expected an integer' }).int('expected an integer').optional(),
  max_retry_time: z.number({ message: 'expected a number' }).default(60),
  initial_retry_delay: between(0.001, 1_000_000).default(0.01),
  max_retry_delay: between(0.001, 1_000_000).default(60),
  concurrency_limit: z.union([z.literal(-1), z.literal(1)], { message: 'expected one of: -1, 1' }).default(1),
});

/** kong/observability/tracing/propagation/utils.lua FORMATS (3.8 and 3.9). */
export const PROPAGATION_FORMATS = ['w3c', 'b3', 'b3-single', 'jaeger', 'ot', 'datadog', 'aws', 'gcp'] as const;
/** b3 and b3-single share one extractor, named b3. */
const EXTRACTORS = ['w3c', 'b3', 'jaeger', 'ot', 'datadog', 'aws', 'gcp'] as const;

/** typedefs.propagation (kong/observability/tracing/propagation/schema.lua). */
const propagationConfig = z.strictObject({
  extract: z.array(oneOf(EXTRACTORS)).optional(),
  clear: z.array(headerName).optional(),
  inject: z.array(oneOf(['preserve', ...PROPAGATION_FORMATS])).optional(),
  default_format: oneOf(PROPAGATION_FORMATS),
});

export const openTelemetryConfig = z
  .strictObject({
    traces_endpoint: url.optional(),
    logs_endpoint: url.optional(),
    headers: z.record(headerName, z.string({ message: 'expected a string' })).optional(),
    // Kong's custom validator: every value a non-empty string.
    resource_attributes: z.record(z.string(), z.string({ message: 'expected a string' }).min(1, 'required field missing')).optional(),
    // The record's default applies when the whole field is absent: then batches of 200.
    queue: queueConfig.prefault({ max_batch_size: 200 }),
    // Deprecated (queue.max_batch_size and queue.max_coalescing_delay replace them), still accepted.
    batch_span_count: z.number({ message: 'expected an integer' }).int('expected an integer').optional(),
    batch_flush_delay: z.number({ message: 'expected an integer' }).int('expected an integer').optional(),
    connect_timeout: pluginTimeout(1000),
    send_timeout: pluginTimeout(5000),
    read_timeout: pluginTimeout(5000),
    http_response_header_for_traceid: z.string({ message: 'expected a string' }).optional(),
    // Deprecated since 3.7; only read when propagation sets none of extract, clear, inject.
    header_type: oneOf(['preserve', 'ignore', 'b3', 'b3-single', 'w3c', 'jaeger', 'ot', 'aws', 'gcp', 'datadog']).default('preserve'),
    // Unset: kong.conf's tracing_sampling_rate decides.
    sampling_rate: between(0, 1).optional(),
    propagation: propagationConfig.prefault({ default_format: 'w3c' }),
    // The deprecated shorthand for traces_endpoint.
    endpoint: url.optional(),
  })
  .superRefine((config, ctx) => {
    if (config.traces_endpoint === undefined && config.logs_endpoint === undefined && config.endpoint === undefined) {
      ctx.addIssue({ code: 'custom', message: 'at least one of these fields must be non-empty: traces_endpoint, logs_endpoint' });
    }
  })
  .transform(({ endpoint, ...config }) => (endpoint === undefined ? config : { ...config, traces_endpoint: endpoint }));

/** The plugins modelled in full: config schema and the protocols their schema allows. */
export const MODELLED_PLUGINS = {
  'correlation-id': { config: correlationIdConfig, protocols: HTTP_PROTOCOLS },
  cors: { config: corsConfig, protocols: HTTP_PROTOCOLS },
  'request-size-limiting': { config: requestSizeLimitingConfig, protocols: HTTP_PROTOCOLS },
  'rate-limiting': { config: rateLimitingConfig, protocols: HTTP_PROTOCOLS },
  prometheus: { config: prometheusConfig, protocols: PROTOCOLS },
  opentelemetry: { config: openTelemetryConfig, protocols: HTTP_PROTOCOLS },
} as const;

export type ModelledPluginName = keyof typeof MODELLED_PLUGINS;
export type CorrelationIdConfig = z.infer<typeof correlationIdConfig>;
export type CorsConfig = z.infer<typeof corsConfig>;
export type RequestSizeLimitingConfig = z.infer<typeof requestSizeLimitingConfig>;
export type RateLimitingConfig = z.infer<typeof rateLimitingConfig>;
export type PrometheusConfig = z.infer<typeof prometheusConfig>;
export type OpenTelemetryConfig = z.output<typeof openTelemetryConfig>;

export function isModelledPlugin(name: string): name is ModelledPluginName {
  return Object.hasOwn(MODELLED_PLUGINS, name);
}
