/**
 * Durable jobs through the gateway, with the real mesh and real API keys: submit, watch the
 * job's Server-Sent Events until it completes, list, idempotent replay, cancel a slow job, and
 * a job that fails until it is dead, then is replayed from the dead-letter queue by the
 * workspace's admin, through the gateway.
 */
import { openSse } from '@opsconductor/kit/testing';
import { waitFor } from '@opsconductor/mesh';
import type { Mesh } from '@opsconductor/mesh';
import { ALL_SCOPES, startTestMesh } from './test-mesh';
import type { TestMesh } from './test-mesh';
import { apiCall } from './api-call';
import type { AuthHeaders } from './api-call';


interface JobView {
  job_id: string;
  status: string;
  attempts: number;
  result?: unknown;
  error?: { code: string; message: string } | null;
  trace_id?: string;
}

let testMesh: TestMesh;
let mesh: Mesh;
/** Alice of ws-e2e (preview and execute), Bob of ws-other, and ws-e2e's admin. */
let WS: AuthHeaders;
let OTHER_WS: AuthHeaders;
let ADMIN: AuthHeaders;

beforeAll(async () => {
  testMesh = await startTestMesh({
    name: 'jobs',
    // Retries shortened so a failing job is dead in well under a second.
    env: { RETRY_BASE_MS: '50', RETRY_FACTOR: '2', RETRY_CAP_MS: '200', QUEUE_MAINTENANCE_MS: '100' },
  });
  mesh = testMesh.mesh;
  WS = await testMesh.keyFor('ws-e2e', 'alice');
  OTHER_WS = await testMesh.keyFor('ws-other', 'bob');
  ADMIN = await testMesh.keyFor('ws-e2e', 'ops', ALL_SCOPES);
}, 90_000);

afterAll(async () => {
  await testMesh?.stop();
}, 60_000);

const call = (method: string, url: string, body?: unknown, headers: AuthHeaders = WS) => apiCall(method, url, body, headers);
const gw = (p: string) => `${mesh.urls.gateway}${p}`;

async function jobReaches(id: string, status: string, timeoutMs = 10_000): Promise<JobView> {
  let job: JobView | undefined;
  await waitFor(
    `job ${id} ${status}`,
    async () => (job = (await call('GET', gw(`/ai/jobs/${id}`))).json as unknown as JobView).status === status,
    { timeoutMs },
  );
  return job as JobView;
}

it('runs a submitted job and streams its status changes until it completes', async () => {
  const submitted = await call('POST', gw('/ai/jobs'), { action: 'echo', params: { input: 'ping', delay_ms: 300 } }, { ...WS, 'x-trace-id': 'job-trace-1' });
  expect(submitted.status).toBe(202);
  const job = submitted.json as unknown as JobView;
  expect(job).toMatchObject({ status: 'pending', trace_id: 'job-trace-1' });

  const sse = await openSse(gw(`/ai/jobs/${job.job_id}/events`), WS);
  expect(sse.status).toBe(200);
  await sse.end(10_000);
  const statuses = sse.parsed().filter((e) => e.event !== 'position').map((e) => e.data.status);
  expect(statuses[statuses.length - 1]).toBe('completed');
  expect(statuses).toContain('running');

  const done = (await call('GET', gw(`/ai/jobs/${job.job_id}`))).json;
  expect(done).toMatchObject({ status: 'completed', result: 'pong', attempts: 1 });

  const listed = await call('GET', gw('/ai/jobs?status=completed&limit=10'));
  expect((listed.json.jobs as JobView[]).map((j) => j.job_id)).toContain(job.job_id);
  // Another workspace sees none of it.
  expect((await call('GET', gw(`/ai/jobs/${job.job_id}`), undefined, OTHER_WS)).status).toBe(404);
  expect((await call('GET', gw('/ai/jobs'), undefined, OTHER_WS)).json.jobs).toEqual([]);
});

it('returns the original job for a repeated Idempotency-Key, and 409 for another body', async () => {
  const key = { ...WS, 'idempotency-key': `order-${Date.now()}` };
  const first = await call('POST', gw('/ai/jobs'), { action: 'echo', params: { input: 'once' } }, key);
  const again = await call('POST', gw('/ai/jobs'), { action: 'echo', params: { input: 'once' } }, key);
  expect([first.status, again.status]).toEqual([202, 200]);
  expect(again.json.job_id).toBe(first.json.job_id);
  const other = await call('POST', gw('/ai/jobs'), { action: 'echo', params: { input: 'twice' } }, key);
  expect(other.status).toBe(409);
  expect((other.json.error as { code: string }).code).toBe('CONFLICT');
});

it('cancels a slow job while it runs', async () => {
  const { json } = await call('POST', gw('/ai/jobs'), { action: 'echo', params: { input: 'slow', delay_ms: 30_000 } });
  const id = json.job_id as string;
  await jobReaches(id, 'running');
  const cancel = await call('POST', gw(`/ai/jobs/${id}/cancel`));
  expect(cancel.status).toBe(202);
  await jobReaches(id, 'cancelled', 3000);
});

it('dead-letters a job after its retries, and an operator replays it from the DLQ', async () => {
  await mesh.stopService('ai-pipeline');
  let id: string;
  try {
    const { json } = await call('POST', gw('/ai/jobs'), { action: 'echo', params: { input: 'later' }, max_attempts: 3 });
    id = json.job_id as string;
    const dead = await jobReaches(id, 'dead');
    expect(dead).toMatchObject({ attempts: 3, error: { code: 'BAD_GATEWAY' } });
  } finally {
    await mesh.startService('ai-pipeline');
  }
  // The DLQ is the workspace admin's, through the gateway; a key without the admin scope is refused.
  expect((await call('GET', gw('/ai/queue/dlq'))).status).toBe(403);
  const dlq = await call('GET', gw('/ai/queue/dlq'), undefined, ADMIN);
  expect(dlq.status).toBe(200);
  expect((dlq.json.jobs as JobView[]).map((j) => j.job_id)).toContain(id);
  expect((await call('POST', gw('/ai/queue/dlq/replay'), { job_id: id })).status).toBe(403);
  const replay = await call('POST', gw('/ai/queue/dlq/replay'), { workspace_id: 'ws-e2e', job_id: id }, ADMIN);
  expect(replay.status).toBe(202);
  expect(await jobReaches(id, 'completed')).toMatchObject({ result: 'later' });
}, 60_000);
