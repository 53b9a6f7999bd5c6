import { SpanStatusCode, trace } from '@opentelemetry/api';
import { AppError } from '@opsconductor/kit';
import { startRecordingTracing } from '@opsconductor/kit/testing';
import type { RecordingTracing } from '@opsconductor/kit/testing';
import { inToolSpan } from '../src/tools/tool-span';

describe('the span of a tool run', () => {
  let tracing: RecordingTracing;
  beforeAll(() => {
    tracing = startRecordingTracing('ai-pipeline-test');
  });
  afterAll(() => tracing.shutdown());
  const last = () => tracing.spans().at(-1);

  it('names the tool, nests what the tool calls under it and passes its answer through', async () => {
    const output = await inToolSpan('echo', 'explicit', async () => {
      trace.getTracer('test').startSpan('inner call').end();
      return 'pong';
    });
    await tracing.flush();
    expect(output).toBe('pong');
    const span = tracing.spans().find((s) => s.name === 'execute_tool echo');
    expect(span?.attributes).toEqual({ 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'echo', 'opsconductor.tool.selected_by': 'explicit' });
    expect(tracing.spans().find((s) => s.name === 'inner call')?.parentSpanContext?.spanId).toBe(span?.spanContext().spanId);
  });

  it('marks a failed run with the error code only, and rethrows', async () => {
    const failure = new AppError('TIMEOUT', 'the LLM did not answer; prompt was: secret text');
    await expect(inToolSpan('llm.complete', 'selector', () => Promise.reject(failure))).rejects.toBe(failure);
    await tracing.flush();
    expect(last()?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'TIMEOUT' });
  });
});
