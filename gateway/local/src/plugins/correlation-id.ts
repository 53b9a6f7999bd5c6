/**
 * Kong's correlation-id plugin: keep the id the client sent in `header_name` (any non-empty
 * value, as Kong does), else generate one and send it upstream; with echo_downstream, set
 * it on the response. The same id is the `trace_id` of the gateway's own error envelopes.
 * Without the plugin an id is still made for those envelopes, but nothing is forwarded.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CorrelationIdConfig } from '../kong-config/plugin-schemas';

export interface CorrelationId {
  /** Access phase: the request's id, recorded on the context and sent upstream if generated. */
  access(request: FastifyRequest): string;
  /** header_filter phase: echo the id downstream when configured. */
  headerFilter(request: FastifyRequest, reply: FastifyReply): void;
}

export function createCorrelationId(config: CorrelationIdConfig | undefined): CorrelationId {
  const header = (config?.header_name ?? 'X-Trace-Id').toLowerCase();
  // Kong's uuid#counter: one uuid per worker, then a counter.
  const workerUuid = randomUUID();
  let counter = 0;
  const generate = (): string => (config?.generator === 'uuid#counter' ? `${workerUuid}#${++counter}` : randomUUID());

  return {
    access(request) {
      const sent = request.headers[header];
      const value = Array.isArray(sent) ? sent[0] : sent;
      if (value !== undefined && value !== '') return value;
      const generated = generate();
      if (config) request.gateway.upstreamHeaders[header] = generated;
      return generated;
    },
    headerFilter(request, reply) {
      if (config?.echo_downstream) reply.header(config.header_name, request.gateway.traceId);
    },
  };
}
