/**
 * The gateway as the stand-in runs it: a checked kong.yml turned into plain objects with
 * Kong's defaults filled in, labels resolved the way Kong's prometheus plugin names them
 * (service name else host, route name else id), and plugins keyed by name.
 */
import { randomUUID } from 'node:crypto';
import type { DeclarativeConfig } from './entity-schemas';
import { splitHostPort } from './kong-rules';
import type { CorrelationIdConfig, CorsConfig, OpenTelemetryConfig, PrometheusConfig, RateLimitingConfig, RequestSizeLimitingConfig } from './plugin-schemas';
import { MODELLED_PLUGINS, isModelledPlugin } from './plugin-schemas';

/** Kong's port for a target written without one. */
export const DEFAULT_TARGET_PORT = 8000;

export interface TargetModel {
  /** As written in kong.yml, e.g. `automation-service:3003` (the metric label and Host header). */
  target: string;
  host: string;
  port: number;
  weight: number;
  tags: string[];
}

export interface UpstreamModel {
  name: string;
  targets: TargetModel[];
}

export interface RouteModel {
  /** Route name, else id: Kong's `route` label. */
  label: string;
  /** Prefix paths; empty when the route matches on methods only. */
  paths: string[];
  /** Upper-case methods; undefined matches any method. */
  methods: string[] | undefined;
  stripPath: boolean;
}

export interface ServiceModel {
  /** Service name, else host: Kong's `service` label. */
  label: string;
  upstream: UpstreamModel;
  /** Path prefix sent upstream (Kong's `service.path`), undefined for none. */
  path: string | undefined;
  connectTimeoutMs: number;
  readTimeoutMs: number;
  writeTimeoutMs: number;
  retries: number;
  routes: RouteModel[];
}

export interface PluginSet {
  correlationId?: CorrelationIdConfig;
  cors?: CorsConfig;
  requestSizeLimiting?: RequestSizeLimitingConfig;
  rateLimiting?: RateLimitingConfig;
  prometheus?: PrometheusConfig;
  openTelemetry?: OpenTelemetryConfig;
}

export interface GatewayModel {
  services: ServiceModel[];
  upstreams: UpstreamModel[];
  plugins: PluginSet;
  /** md5 of the file, as Kong's status API reports `configuration_hash`. */
  configurationHash: string;
}

/** Builds the model from a config that passed both the Kong checks and the support checks. */
export function buildModel(config: DeclarativeConfig, configurationHash: string): GatewayModel {
  const upstreams = (config.upstreams ?? []).map(
    (u): UpstreamModel => ({
      name: u.name,
      targets: (u.targets ?? []).map((t) => {
        const parts = splitHostPort(t.target);
        return { target: t.target, host: parts?.host ?? t.target, port: parts?.port ?? DEFAULT_TARGET_PORT, weight: t.weight, tags: t.tags ?? [] };
      }),
    }),
  );
  const byName = new Map(upstreams.map((u) => [u.name, u]));

  const services = (config.services ?? []).map((s): ServiceModel => {
    const upstream = byName.get(s.host);
    if (!upstream) throw new Error(`service host '${s.host}' names no upstream`); // excluded by checkReferences
    return {
      label: s.name ?? s.host,
      upstream,
      path: s.path,
      connectTimeoutMs: s.connect_timeout,
      readTimeoutMs: s.read_timeout,
      writeTimeoutMs: s.write_timeout,
      retries: s.retries,
      routes: (s.routes ?? []).map((r) => ({
        label: r.name ?? r.id ?? randomUUID(),
        paths: r.paths ?? [],
        methods: r.methods,
        stripPath: r.strip_path,
      })),
    };
  });

  return { services, upstreams, plugins: pluginSet(config), configurationHash };
}

function pluginSet(config: DeclarativeConfig): PluginSet {
  const set: PluginSet = {};
  for (const plugin of config.plugins ?? []) {
    if (!plugin.enabled || !isModelledPlugin(plugin.name)) continue;
    const parsed = MODELLED_PLUGINS[plugin.name].config.parse(plugin.config ?? {});
    switch (plugin.name) {
      case 'correlation-id':
        set.correlationId = parsed as CorrelationIdConfig;
        break;
      case 'cors':
        set.cors = parsed as CorsConfig;
        break;
      case 'request-size-limiting':
        set.requestSizeLimiting = parsed as RequestSizeLimitingConfig;
        break;
      case 'rate-limiting':
        set.rateLimiting = parsed as RateLimitingConfig;
        break;
      case 'prometheus':
        set.prometheus = parsed as PrometheusConfig;
        break;
      case 'opentelemetry':
        set.openTelemetry = parsed as OpenTelemetryConfig;
        break;
    }
  }
  return set;
}
