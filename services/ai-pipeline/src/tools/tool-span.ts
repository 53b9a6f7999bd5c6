import { SpanStatusCode, trace } from '@opentelemetry/api';
import type { Attributes, Span } from '@opentelemetry/api';

const tracer = trace.getTracer('@opsconductor/ai-pipeline');

/**
 * Runs `run` inside an active span named `name`; a failure marks the span with the error's code,
 * never its message (it may quote params).
 */
export async function inSpan<T>(name: string, attributes: Attributes, run: (span: Span) => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await run(span);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      span.setStatus({ code: SpanStatusCode.ERROR, message: typeof code === 'string' ? code : 'error' });
      throw err;
    } finally {
      span.end();
    }
  });
}

/**
 * Runs a tool inside an `execute_tool <name>` span (OpenTelemetry's GenAI conventions), the
 * last hop of a request's trace; the LLM's and the actions' own client spans nest under it.
 */
export async function inToolSpan<T>(toolName: string, selectedBy: string, run: () => Promise<T>): Promise<T> {
  const attributes = { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': toolName, 'opsconductor.tool.selected_by': selectedBy };
  return inSpan(`execute_tool ${toolName}`, attributes, run);
}
