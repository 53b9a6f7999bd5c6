import type { AiPipeline } from '@opsconductor/pipeline-client';

/**
 * ai-pipeline's place in the queue benches: answers at once, in process, after telling the
 * bench which job's input it was handed — so the figures are the queue's own cost, not HTTP's.
 */
export function inProcessExecutor(onStart: (input: string) => void): AiPipeline {
  return {
    timeoutMs: 10_000,
    async execute(request) {
      onStart(request.input);
      return { success: true, output: 'ok', tool: 'echo' };
    },
    async checkHealth() {},
    async close() {},
  };
}
