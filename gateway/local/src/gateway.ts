/**
 * Assembles the stand-in from a kong.yml: the checked model, the proxy app, the status app,
 * the admin app and what they share (metrics registry, connection counters, balancers,
 * upstream pools). main.ts listens on them; tests build one on port 0 with their own config
 * and upstreams.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { createAdminApp } from './admin-app';
import { createApp } from './app';
import { createBalancers } from './balancer';
import { ConnectionStats } from './connection-stats';
import { compileGatewayConfig, readConfigFile } from './kong-config/load';
import type { GatewayModel } from './kong-config/model';
import { LiveConfig } from './live-config';
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
  /** Kong's Admin API subset: POST /config (live target weights), GET /upstreams/{name}/targets. */
  admin: FastifyInstance;
  registry: Registry;
  /** Closes the admin app, the proxy (draining in-flight requests), the status app, then the upstream pools. */
  close(): Promise<void>;
  /** Closes the keep-alive pools to the upstream targets (after the proxy has drained). */
  closeUpstreams(): Promise<void>;
}

/** Builds the gateway; throws KongConfigError (naming each bad field) when kong.yml cannot run here. */
export function createGateway(opts: GatewayOptions): Gateway {
  const check = { tracing: opts.tracing ?? false };
  const source = opts.configText !== undefined ? '(config text)' : requireFile(opts.configFile);
  const text = opts.configText ?? readConfigFile(source);
  const { model, config } = compileGatewayConfig(text, source, check);
  const registry = new Registry();
  const connections = new ConnectionStats();
  const addresses = new TargetAddresses(opts.targetOverrides);
  const dispatchers = new UpstreamDispatchers(model.services);
  const metrics = createKongMetrics({ registry, config: model.plugins.prometheus, upstreams: model.upstreams, addresses, connections, nodeId: randomUUID() });
  const balancers = createBalancers(model.upstreams);
  const proxy = createApp({ model, logger: opts.logger, metrics, connections, addresses, dispatchers, balancers, tracing: check.tracing, ...(opts.clock ? { clock: opts.clock } : {}) });
  const status = createStatusApp({ registry, logger: opts.logger, connections, configurationHash: () => model.configurationHash });
  const live = new LiveConfig({ model, config, text, balancers, check, logger: opts.logger });
  const admin = createAdminApp({ registry, logger: opts.logger, connections, live });
  return {
    model,
    proxy,
    status,
    admin,
    registry,
    closeUpstreams: () => dispatchers.close(),
    async close() {
      // First, so no config is applied while the proxy drains.
      await admin.close();
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
