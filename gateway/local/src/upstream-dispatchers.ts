/**
 * One undici Agent (a keep-alive connection pool per origin) per kong.yml service, so each
 * service's connect_timeout and read_timeout hold for its own requests. @fastify/reply-from
 * takes a single dispatcher, so it gets a facade that sends each request to the agent of the
 * service the proxy put in scope for that call.
 *
 * The scope is a plain field set around the reply.from() call: reply-from dispatches
 * synchronously inside it (its own retries are off; the proxy retries by calling again). An
 * AsyncLocalStorage did the same but, on Node 20, turned on promise hooks for every promise
 * of the process: ~6 % of the gateway's throughput (bench/RESULTS.md).
 */
import { Agent } from 'undici';
import type { Dispatcher } from 'undici';
import type { ServiceModel } from './kong-config/model';

export class UpstreamDispatchers {
  private current: Agent | undefined;
  private readonly agents = new Map<ServiceModel, Agent>();

  constructor(services: readonly ServiceModel[]) {
    for (const service of services) {
      this.agents.set(
        service,
        new Agent({
          connect: { timeout: service.connectTimeoutMs },
          // Kong's read_timeout bounds the wait between two reads: for the response headers
          // and then between body chunks (an SSE stream may stay open as long as it talks).
          headersTimeout: service.readTimeoutMs,
          bodyTimeout: service.readTimeoutMs,
        }),
      );
    }
  }

  /** What reply-from calls for every upstream request. */
  readonly facade = {
    request: (opts: Dispatcher.RequestOptions, callback: (err: Error | null, data: Dispatcher.ResponseData) => void): void => {
      const agent = this.current;
      if (!agent) {
        callback(new Error('no upstream service in scope for this request'), undefined as unknown as Dispatcher.ResponseData);
        return;
      }
      agent.request(opts, callback);
    },
  };

  /** Runs `send` (which calls reply.from) with `service`'s agent in scope. */
  run<T>(service: ServiceModel, send: () => T): T {
    const agent = this.agents.get(service);
    if (!agent) throw new Error(`no dispatcher for service ${service.label}`);
    const outer = this.current;
    this.current = agent;
    try {
      return send();
    } finally {
      this.current = outer;
    }
  }

  /** Closes the pools once in-flight requests are done (after the proxy has drained). */
  async close(): Promise<void> {
    await Promise.all([...this.agents.values()].map((agent) => agent.close()));
  }
}
