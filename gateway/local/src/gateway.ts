/**
 * Assembles the stand-in from a kong.yml: the checked model, the proxy app, the status app
 * and what they share (metrics registry, connection counters, upstream pools). main.ts
 * listens on them; tests build one on port 0 with their own config and upstreams.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { createApp } from './app';
import { ConnectionStats } from './connection-stats';
import { loadGatewayConfig, parseGatewayConfig } from './kong-config/load';
import type { GatewayModel } from './kong-config/model';
import { createKongMetrics } from './plugins/prometheus';
import { createStatusApp } from './status-app';
import type { Address } from './target-addresses';
import { TargetAddresses } from './target-addresses';
import { UpstreamDispatchers } from './upstream-dispatchers';

export interface GatewayOptions {
  /** Path of kong.yml; or give its text as `configText`. */
  configFile?: string;
  configText?: string;
  targetOverrides?: ReadonlyMap<string, Address>;
  logger: Logger;
  /** Rate-limit clock (ms since epoch); defaults to Date.now. */
  clock?: () => number;
  /**
   * An OpenTelemetry SDK records spans in this process (main.ts: instrument.ts's startTracing
   * started; tests: a recording tracer). Then kong.yml must enable the opentelemetry plugin.
   */
  tracing?: boolean;
}

export interface Gateway {
  model: GatewayModel;
  proxy: FastifyInstance;
  status: FastifyInstance;
  registry: Registry;
  /** Closes the proxy (draining in-flight requests), the status app, then the upstream pools. */
  close(): Promise<void>;
  /** Closes the keep-alive pools to the upstream targets (after the proxy has drained). */
  closeUpstreams(): Promise<void>;
}

/** Builds the gateway; throws KongConfigError (naming each bad field) when kong.yml cannot run here. */
export function createGateway(opts: GatewayOptions): Gateway {
  const check = { tracing: opts.tracing ?? false };
  const model = opts.configText !== undefined ? parseGatewayConfig(opts.configText, '(config text)', check) : loadGatewayConfig(requireFile(opts.configFile), check);
  const registry = new Registry();
  const connections = new ConnectionStats();
  const addresses = new TargetAddresses(opts.targetOverrides);
  const dispatchers = new UpstreamDispatchers(model.services);
  const metrics = createKongMetrics({ registry, config: model.plugins.prometheus, upstreams: model.upstreams, addresses, connections, nodeId: randomUUID() });
  const proxy = createApp({ model, logger: opts.logger, metrics, connections, addresses, dispatchers, tracing: check.tracing, ...(opts.clock ? { clock: opts.clock } : {}) });
  const status = createStatusApp({ registry, logger: opts.logger, connections, configurationHash: model.configurationHash });
  return {
    model,
    proxy,
    status,
    registry,
    closeUpstreams: () => dispatchers.close(),
    async close() {
      await proxy.close();
      await status.close();
      await dispatchers.close();
    },
  };
}

function requireFile(file: string | undefined): string {
  if (file === undefined) throw new Error('createGateway needs configFile or configText');
  return file;
}
