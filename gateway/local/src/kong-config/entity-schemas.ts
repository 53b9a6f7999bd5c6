/**
 * Kong 3.9's core entities (kong/db/schema/entities/{services,routes,upstreams,targets,plugins}.lua)
 * as strict zod objects: a field Kong does not define is an error. Fields the stand-in
 * implements are typed in full; the others Kong defines are known by name (`known`), so
 * kong.yml may be checked here and refused, field by field, by ./unsupported.ts.
 */
import { z } from 'zod';
import {
  EXCLUSIVE_PROTOCOL_SETS,
  headerName,
  host,
  isHostname,
  isIp,
  path,
  port,
  protocol,
  routerPath,
  splitHostPort,
  tags,
  timeoutMs,
  utf8Name,
  uuid,
} from './kong-rules';
import { KONG_BUNDLED_PLUGINS, MODELLED_PLUGINS, isModelledPlugin } from './plugin-schemas';

/** A field Kong defines whose value this module does not check (the stand-in refuses it). */
const known = z.unknown().optional();
const timestamp = z.number().int().optional();
const bool = (fallback: boolean) => z.boolean({ message: 'expected a boolean' }).default(fallback);

export const pluginSchema = z
  .strictObject({
    id: uuid.optional(),
    name: z.string({ message: 'required field missing' }),
    instance_name: utf8Name.optional(),
    created_at: timestamp,
    updated_at: timestamp,
    route: known,
    service: known,
    consumer: known,
    config: z.unknown().optional(),
    protocols: z.array(protocol).optional(),
    enabled: bool(true),
    tags: tags.optional(),
    ordering: known,
  })
  .superRefine((plugin, ctx) => {
    if (isModelledPlugin(plugin.name)) {
      const { config, protocols } = MODELLED_PLUGINS[plugin.name];
      const parsed = config.safeParse(plugin.config ?? {});
      if (!parsed.success) {
        for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, path: ['config', ...issue.path] } as z.core.$ZodRawIssue);
      }
      const allowed: readonly string[] = protocols;
      for (const [i, p] of (plugin.protocols ?? []).entries()) {
        if (!allowed.includes(p)) ctx.addIssue({ code: 'custom', path: ['protocols', i], message: `expected one of: ${allowed.join(', ')}` });
      }
    } else if (!KONG_BUNDLED_PLUGINS.has(plugin.name)) {
      ctx.addIssue({ code: 'custom', path: ['name'], message: `plugin '${plugin.name}' not enabled; it is not a plugin bundled with Kong 3.9` });
    }
  });

const httpMethod = z.string().regex(/^[A-Z]+$/, { message: 'invalid value: methods must be upper-case letters only (e.g. GET)' });

export const routeSchema = z
  .strictObject({
    id: uuid.optional(),
    created_at: timestamp,
    updated_at: timestamp,
    name: utf8Name.optional(),
    protocols: z.array(protocol).min(1, 'length must be at least 1').default(['http', 'https']),
    methods: z.array(httpMethod).optional(),
    hosts: known,
    paths: z.array(routerPath).optional(),
    headers: z.record(headerName, z.array(z.string())).optional(),
    https_redirect_status_code: z.union([z.literal(426), z.literal(301), z.literal(302), z.literal(307), z.literal(308)], {
      message: 'expected one of: 426, 301, 302, 307, 308',
    }).default(426),
    regex_priority: z.number().int().default(0),
    strip_path: bool(true),
    path_handling: z.enum(['v0', 'v1'], { message: 'expected one of: v0, v1' }).default('v0'),
    preserve_host: bool(false),
    request_buffering: bool(true),
    response_buffering: bool(true),
    snis: known,
    sources: known,
    destinations: known,
    tags: tags.optional(),
    service: known,
    // The `expressions` router flavour's fields.
    expression: known,
    priority: known,
    plugins: z.array(pluginSchema).optional(),
  })
  .superRefine((route, ctx) => {
    const set = EXCLUSIVE_PROTOCOL_SETS.find((s) => s.includes(route.protocols[0] ?? ''));
    if (set && route.protocols.some((p) => !set.includes(p))) {
      ctx.addIssue({ code: 'custom', path: ['protocols'], message: `these sets are mutually exclusive: ${EXCLUSIVE_PROTOCOL_SETS.map((s) => s.join(', ')).join(' | ')}` });
    }
    const isHttp = route.protocols.some((p) => p === 'http' || p === 'https');
    const matchers = [route.methods, route.hosts, route.headers, route.paths].filter((m) => m !== undefined && (!Array.isArray(m) || m.length > 0));
    if (isHttp && matchers.length === 0 && route.expression === undefined) {
      ctx.addIssue({ code: 'custom', message: "must set one of 'methods', 'hosts', 'headers', 'paths' when 'protocols' is 'http' or 'https'" });
    }
  });

const NOT_FOR_PLAIN_PROTOCOLS = ['tcp', 'tls', 'grpc', 'grpcs'];

export const serviceSchema = z
  .strictObject({
    id: uuid.optional(),
    created_at: timestamp,
    updated_at: timestamp,
    name: utf8Name.optional(),
    retries: z.number({ message: 'expected an integer' }).int('expected an integer').min(0, 'value should be between 0 and 32767').max(32767, 'value should be between 0 and 32767').default(5),
    protocol: protocol.default('http'),
    host: host,
    port: port.default(80),
    path: path.optional(),
    connect_timeout: timeoutMs.default(60000),
    write_timeout: timeoutMs.default(60000),
    read_timeout: timeoutMs.default(60000),
    tags: tags.optional(),
    client_certificate: known,
    tls_verify: known,
    tls_verify_depth: known,
    ca_certificates: known,
    enabled: bool(true),
    url: known,
    routes: z.array(routeSchema).optional(),
    plugins: z.array(pluginSchema).optional(),
  })
  .superRefine((service, ctx) => {
    if (service.path !== undefined && NOT_FOR_PLAIN_PROTOCOLS.includes(service.protocol)) {
      ctx.addIssue({ code: 'custom', path: ['path'], message: `value must be null when protocol is ${service.protocol}` });
    }
    for (const field of ['client_certificate', 'tls_verify', 'ca_certificates'] as const) {
      if (service[field] !== undefined && service.protocol !== 'https') {
        ctx.addIssue({ code: 'custom', path: [field], message: "value must be null when protocol is not 'https'" });
      }
    }
  });

export const targetSchema = z.strictObject({
  id: uuid.optional(),
  created_at: timestamp,
  updated_at: timestamp,
  upstream: known,
  target: z.string({ message: 'required field missing' }).superRefine((value, ctx) => {
    const parts = splitHostPort(value);
    if (!parts || !(isHostname(parts.host) || isIp(parts.host))) {
      ctx.addIssue({ code: 'custom', message: `Invalid target ('${value}'); not a valid hostname or ip address` });
    }
  }),
  weight: z.number({ message: 'expected an integer' }).int('expected an integer').min(0, 'value should be between 0 and 65535').max(65535, 'value should be between 0 and 65535').default(100),
  tags: tags.optional(),
});

export const upstreamSchema = z.strictObject({
  id: uuid.optional(),
  created_at: timestamp,
  updated_at: timestamp,
  name: z.string({ message: 'required field missing' }).superRefine((value, ctx) => {
    const parts = splitHostPort(value);
    if (parts && isIp(parts.host)) ctx.addIssue({ code: 'custom', message: 'Invalid name; no ip addresses allowed' });
    else if (!parts || !isHostname(parts.host)) ctx.addIssue({ code: 'custom', message: 'Invalid name; must be a valid hostname' });
    else if (parts.port !== undefined) ctx.addIssue({ code: 'custom', message: 'Invalid name; no port allowed' });
  }),
  algorithm: z.enum(['round-robin', 'consistent-hashing', 'least-connections', 'latency'], {
    message: 'expected one of: round-robin, consistent-hashing, least-connections, latency',
  }).default('round-robin'),
  hash_on: known,
  hash_fallback: known,
  hash_on_header: known,
  hash_fallback_header: known,
  hash_on_cookie: known,
  hash_on_cookie_path: known,
  hash_on_query_arg: known,
  hash_fallback_query_arg: known,
  hash_on_uri_capture: known,
  hash_fallback_uri_capture: known,
  slots: z.number().int().min(10, 'value should be between 10 and 65536').max(65536, 'value should be between 10 and 65536').default(10000),
  healthchecks: known,
  tags: tags.optional(),
  host_header: known,
  client_certificate: known,
  use_srv_name: known,
  targets: z.array(targetSchema).optional(),
});

/** Declarative top-level collections Kong 3.9 knows that the stand-in does not model. */
export const KNOWN_UNMODELLED_COLLECTIONS = [
  'consumers', 'certificates', 'ca_certificates', 'snis', 'vaults', 'keys', 'key_sets', 'filter_chains',
  'acls', 'basicauth_credentials', 'hmacauth_credentials', 'jwt_secrets', 'keyauth_credentials',
  'oauth2_credentials', 'oauth2_authorization_codes', 'oauth2_tokens',
] as const;

export const declarativeSchema = z.strictObject({
  _format_version: z.literal('3.0', { message: 'expected "3.0" (the declarative format of Kong 3.x)' }),
  _transform: z.boolean().optional(),
  _comment: z.string().optional(),
  _ignore: z.array(z.unknown()).optional(),
  services: z.array(serviceSchema).optional(),
  upstreams: z.array(upstreamSchema).optional(),
  plugins: z.array(pluginSchema).optional(),
  // Top-level routes and targets refer to their parent by name; kong.yml nests them instead.
  routes: z.array(routeSchema).optional(),
  targets: z.array(targetSchema).optional(),
  ...unmodelledCollections(),
});

function unmodelledCollections(): Record<(typeof KNOWN_UNMODELLED_COLLECTIONS)[number], z.ZodOptional<z.ZodArray<z.ZodUnknown>>> {
  const shape = {} as Record<(typeof KNOWN_UNMODELLED_COLLECTIONS)[number], z.ZodOptional<z.ZodArray<z.ZodUnknown>>>;
  for (const name of KNOWN_UNMODELLED_COLLECTIONS) shape[name] = z.array(z.unknown()).optional();
  return shape;
}

export type DeclarativeConfig = z.infer<typeof declarativeSchema>;
export type ServiceEntity = z.infer<typeof serviceSchema>;
export type RouteEntity = z.infer<typeof routeSchema>;
export type UpstreamEntity = z.infer<typeof upstreamSchema>;
export type TargetEntity = z.infer<typeof targetSchema>;
export type PluginEntity = z.infer<typeof pluginSchema>;
