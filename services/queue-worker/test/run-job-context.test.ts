import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createWorld, waitForStatus } from './harness';

/** ai-pipeline as a recording HTTP server: answers every /execute with pong, keeps the headers. */
async function recordingPipeline() {
  const received: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((req, res) => {
    if (req.url === '/execute') received.push(req.headers);
    req.resume().on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ success: true, output: 'pong', tool: 'echo' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('a job run', () => {
  it("names the job's workspace and id to ai-pipeline, so its tool can act once per job", async () => {
    const pipeline = await recordingPipeline();
    const world = await createWorld({ pipelineUrl: pipeline.url });
    try {
      await world.startWorker();
      const { job } = await world.store.enqueue({ workspace_id: 'ws-ctx', actor_id: 'u1', action: 'echo', params: { input: 'ping' } });
      await waitForStatus(world.store, job, 'completed');
      expect(pipeline.received).toHaveLength(1);
      expect(pipeline.received[0]).toMatchObject({ 'x-workspace-id': 'ws-ctx', 'x-job-id': job.job_id });
    } finally {
      await world.close();
      await pipeline.close();
    }
  });
});
