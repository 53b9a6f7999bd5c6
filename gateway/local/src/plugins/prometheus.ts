/**
 * Kong 3.9's prometheus plugin series, with Kong's names, labels and buckets
 * (kong/plugins/prometheus/exporter.lua), so dashboards and alerts built on the real Kong
 * work against the stand-in. Node-level series are always exported; per-request series only
 * when the plugin is configured and its flag is on (all four default to off in Kong):
 *   status_code_metrics     kong_http_requests_total{service,route,code,source,workspace,consumer}
 *   latency_metrics         kong_request_latency_ms, kong_upstream_latency_ms, kong_kong_latency_ms {service,route,workspace}
 *   bandwidth_metrics       kong_bandwidth_bytes{service,route,direction,workspace,consumer}
 *   upstream_health_metrics kong_upstream_target_health{upstream,target,address,state,subsystem}
 * Labels are bounded: service/route/upstream/target names come from kong.yml, codes are HTTP
 * statuses. Requests that matched no route are not recorded (Kong records none either).
 */
import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import type { ConnectionStats } from '../connection-stats';
import type { PrometheusConfig } from '../kong-config/plugin-schemas';
import type { UpstreamModel } from '../kong-config/model';
import type { TargetAddresses } from '../target-addresses';

/** Kong's version this stand-in follows, as kong_node_info reports it. */
export const KONG_VERSION_LABEL = '3.9-opsconductor-local';

const KONG_LATENCY_BUCKETS = [1, 2, 5, 7, 10, 15, 20, 30, 50, 75, 100, 200, 500, 750, 1000];
const UPSTREAM_LATENCY_BUCKETS = [25, 50, 80, 100, 250, 400, 700, 1000, 2000, 5000, 10000, 30000, 60000];
const HEALTH_STATES = ['healthchecks_off', 'healthy', 'unhealthy', 'dns_error'] as const;
const WORKSPACE = 'default';
const SUBSYSTEM = 'http';

export interface RequestLogEntry {
  service: string;
  route: string;
  status: number;
  source: 'service' | 'kong';
  /** Whole request, first byte in to last byte out. */
  requestMs: number;
  /** Upstream's time to first response byte; undefined when the upstream was not reached. */
  upstreamMs: number | undefined;
  /** Time spent in the gateway itself (routing, plugins, body buffering). */
  kongMs: number;
  ingressBytes: number;
  egressBytes: number;
}

export interface KongMetricsOptions {
  registry: Registry;
  config: PrometheusConfig | undefined;
  upstreams: readonly UpstreamModel[];
  addresses: TargetAddresses;
  connections: ConnectionStats;
  nodeId: string;
}

export interface KongMetrics {
  /** Kong's log phase: records one answered request. */
  log(entry: RequestLogEntry): void;
}

export function createKongMetrics(opts: KongMetricsOptions): KongMetrics {
  const registers = [opts.registry];
  const config = opts.config;

  new Gauge({ name: 'kong_node_info', help: 'Kong node metadata', labelNames: ['node_id', 'version'], registers }).set(
    { node_id: opts.nodeId, version: KONG_VERSION_LABEL },
    1,
  );
  // DB-less: the declarative store is in memory, so it is always reachable.
  new Gauge({ name: 'kong_datastore_reachable', help: 'Datastore reachable from Kong, 0 is unreachable', registers }).set(1);
  new Gauge({
    name: 'kong_nginx_connections_total',
    help: 'Number of connections by subsystem and state',
    labelNames: ['node_id', 'subsystem', 'state'],
    registers,
    collect() {
      for (const [state, value] of Object.entries(opts.connections.snapshot())) {
        this.set({ node_id: opts.nodeId, subsystem: SUBSYSTEM, state }, value);
      }
    },
  });
  new Gauge({
    name: 'kong_nginx_requests_total',
    help: 'Number of requests total',
    labelNames: ['node_id', 'subsystem'],
    registers,
    collect() {
      this.set({ node_id: opts.nodeId, subsystem: SUBSYSTEM }, opts.connections.snapshot().total);
    },
  });

  if (config?.upstream_health_metrics) {
    new Gauge({
      name: 'kong_upstream_target_health',
      help: 'Health of upstream targets; value 1 marks the current state (healthchecks_off|healthy|unhealthy|dns_error)',
      labelNames: ['upstream', 'target', 'address', 'state', 'subsystem'],
      registers,
      collect() {
        // No health checks are configured, so every target reports healthchecks_off.
        for (const upstream of opts.upstreams) {
          for (const target of upstream.targets) {
            const a = opts.addresses.resolve(target);
            const address = `${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
            for (const state of HEALTH_STATES) {
              this.set({ upstream: upstream.name, target: target.target, address, state, subsystem: SUBSYSTEM }, state === 'healthchecks_off' ? 1 : 0);
            }
          }
        }
      },
    });
  }

  const requests = config?.status_code_metrics
    ? new Counter({
        name: 'kong_http_requests_total',
        help: 'HTTP status codes per consumer/service/route in Kong',
        labelNames: ['service', 'route', 'code', 'source', 'workspace', 'consumer'],
        registers,
      })
    : undefined;
  const latency = config?.latency_metrics
    ? {
        kong: histogram('kong_kong_latency_ms', 'Latency added by Kong and its plugins per service/route, in ms', KONG_LATENCY_BUCKETS, registers),
        upstream: histogram('kong_upstream_latency_ms', 'Time the upstream took to answer per service/route, in ms', UPSTREAM_LATENCY_BUCKETS, registers),
        request: histogram('kong_request_latency_ms', 'Total request latency per service/route, in ms', UPSTREAM_LATENCY_BUCKETS, registers),
      }
    : undefined;
  const bandwidth = config?.bandwidth_metrics
    ? new Counter({
        name: 'kong_bandwidth_bytes',
        help: 'Total bandwidth (ingress/egress) throughput in bytes',
        labelNames: ['service', 'route', 'direction', 'workspace', 'consumer'],
        registers,
      })
    : undefined;

  return {
    log(entry) {
      // Labels in Kong's order (prom-client prints them in the order given).
      const { service, route } = entry;
      requests?.inc({ service, route, code: String(entry.status), source: entry.source, workspace: WORKSPACE, consumer: '' });
      if (latency) {
        const labels = { service, route, workspace: WORKSPACE };
        latency.request.observe(labels, entry.requestMs);
        if (entry.upstreamMs !== undefined) latency.upstream.observe(labels, entry.upstreamMs);
        latency.kong.observe(labels, entry.kongMs);
      }
      if (bandwidth) {
        if (entry.ingressBytes > 0) bandwidth.inc({ service, route, direction: 'ingress', workspace: WORKSPACE, consumer: '' }, entry.ingressBytes);
        if (entry.egressBytes > 0) bandwidth.inc({ service, route, direction: 'egress', workspace: WORKSPACE, consumer: '' }, entry.egressBytes);
      }
    },
  };
}

function histogram(name: string, help: string, buckets: number[], registers: Registry[]): Histogram<'service' | 'route' | 'workspace'> {
  return new Histogram({ name, help, labelNames: ['service', 'route', 'workspace'], buckets, registers });
}
