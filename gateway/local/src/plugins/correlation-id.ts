/**
 * Kong's correlation-id plugin, which kong.yml sets on X-Request-Id: the gateway's own id of
 * a request. It keeps the id the client sent in `header_name` (any non-empty value, as Kong
 * does), else generates one and sends it upstream; with echo_downstream, sets it on the
 * response. It is the `trace_id` of the gateway's own error envelopes when there is neither
 * a client's X-Trace-Id nor a recorded trace (./opentelemetry.ts). Without the plugin an id
 * is still made for those envelopes, but nothing is read, forwarded or echoed.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CorrelationIdConfig } from '../kong-config/plugin-schemas';

export interface CorrelationId {
  /** Access phase: the request's id, sent upstream when generated. */
  access(request: FastifyRequest): string;
  /** header_filter phase: echo the id downstream when configured. */
  headerFilter(request: FastifyRequest, reply: FastifyReply): void;
}

export function createCorrelationId(config: CorrelationIdConfig | undefined): CorrelationId {
  const header = config?.header_name.toLowerCase();
  // Kong's uuid#counter: one uuid per worker, then a counter.
  const workerUuid = randomUUID();
  let counter = 0;
  const generate = (): string => (config?.generator === 'uuid#counter' ? `${workerUuid}#${++counter}` : randomUUID());

  return {
    access(request) {
      if (header === undefined) return generate();
      const sent = request.headers[header];
      const value = Array.isArray(sent) ? sent[0] : sent;
      if (value !== undefined && value !== '') return value;
      const generated = generate();
      request.gateway.upstreamHeaders[header] = generated;
      return generated;
    },
    headerFilter(request, reply) {
      if (config?.echo_downstream) reply.header(config.header_name, request.gateway.requestId);
    },
  };
}
