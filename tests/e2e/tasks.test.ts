/**
 * task.create through the gateway on the real mesh: a sync execution and a job each write one
 * task in the caller's workspace, visible at GET /ai/tasks there and nowhere else; a job run
 * twice still writes one task; bad params are refused naming the field.
 */
import { waitFor } from '@opsconductor/mesh';
import type { Mesh } from '@opsconductor/mesh';
import { startTestMesh } from './test-mesh';
import type { TestMesh } from './test-mesh';
import { apiCall } from './api-call';
import type { AuthHeaders } from './api-call';


interface TaskView {
  id: string;
  workspace_id: string;
  title: string;
  due_date: string | null;
  job_id: string | null;
}

interface JobView {
  job_id: string;
  status: string;
  result?: { task: TaskView; created: boolean };
  error?: { code: string; message: string } | null;
}

let testMesh: TestMesh;
let mesh: Mesh;
/** Alice of ws-tasks and Bob of ws-tasks-other (preview and execute). */
let WS: AuthHeaders;
let OTHER_WS: AuthHeaders;

beforeAll(async () => {
  testMesh = await startTestMesh({ name: 'tasks' });
  mesh = testMesh.mesh;
  WS = await testMesh.keyFor('ws-tasks', 'alice');
  OTHER_WS = await testMesh.keyFor('ws-tasks-other', 'bob');
}, 90_000);

afterAll(async () => {
  await testMesh?.stop();
}, 60_000);

const call = (method: string, url: string, body?: unknown, headers: AuthHeaders = WS) => apiCall(method, url, body, headers);
const gw = (p: string) => `${mesh.urls.gateway}${p}`;

async function tasksOf(headers: AuthHeaders): Promise<TaskView[]> {
  const res = await call('GET', gw('/ai/tasks?limit=100'), undefined, headers);
  expect(res.status).toBe(200);
  return res.json.tasks as TaskView[];
}

async function jobReaches(id: string, status: string): Promise<JobView> {
  let job: JobView | undefined;
  await waitFor(`job ${id} ${status}`, async () => (job = (await call('GET', gw(`/ai/jobs/${id}`))).json as unknown as JobView).status === status, {
    timeoutMs: 10_000,
  });
  return job as JobView;
}

it("a sync execution writes one task, listed in the caller's workspace and not another's", async () => {
  const res = await call('POST', gw('/ai/execute'), { tool: 'task.create', input: 'remember the milk', params: { title: 'Buy milk', assignee: 'alice' } });
  expect(res.status).toBe(200);
  const output = res.json.output as { task: TaskView; created: boolean };
  expect(output).toMatchObject({ created: true, task: { workspace_id: 'ws-tasks', title: 'Buy milk', job_id: null } });

  expect((await tasksOf(WS)).map((t) => t.id)).toContain(output.task.id);
  expect((await tasksOf(OTHER_WS)).map((t) => t.id)).not.toContain(output.task.id);
});

it('a job writes exactly one task, even when it runs again', async () => {
  const submitted = await call('POST', gw('/ai/jobs'), { action: 'task.create', params: { title: 'Patch the servers', due_date: '2026-06-30' } });
  expect(submitted.status).toBe(202);
  const jobId = submitted.json.job_id as string;
  const done = await jobReaches(jobId, 'completed');
  expect(done.result).toMatchObject({ created: true, task: { workspace_id: 'ws-tasks', title: 'Patch the servers', due_date: '2026-06-30', job_id: jobId } });

  // The worker's second delivery of the same job, as at-least-once delivery may make it.
  const rerun = await fetch(`${mesh.urls.pipeline}/execute`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-workspace-id': 'ws-tasks', 'x-job-id': jobId },
    body: JSON.stringify({ input: 'task.create', tool: 'task.create', params: { title: 'Patch the servers', due_date: '2026-06-30' } }),
  });
  expect(rerun.status).toBe(200);
  const again = (await rerun.json()) as { output: { task: TaskView; created: boolean } };
  expect(again.output).toEqual({ ...done.result, created: false });

  expect((await tasksOf(WS)).filter((t) => t.job_id === jobId)).toHaveLength(1);
  expect((await tasksOf(OTHER_WS)).filter((t) => t.job_id === jobId)).toHaveLength(0);
});

it('refuses bad params with 400 naming the field, and writes nothing', async () => {
  const before = (await tasksOf(WS)).length;
  const res = await call('POST', gw('/ai/execute'), { tool: 'task.create', input: 'x', params: { title: 'Ok', due_date: '2026-02-30' } });
  expect(res.status).toBe(400);
  expect(res.json).toMatchObject({ success: false, error: { code: 'VALIDATION_ERROR', details: [{ field: 'body.params.due_date' }] } });

  // A job with bad params fails for good at once (not retryable): dead, with the same error.
  const submitted = await call('POST', gw('/ai/jobs'), { action: 'task.create', params: { description: 'no title' } });
  expect(submitted.status).toBe(202);
  const dead = await jobReaches(submitted.json.job_id as string, 'dead');
  expect(dead.error).toMatchObject({ code: 'VALIDATION_ERROR' });
  expect((await tasksOf(WS)).length).toBe(before);
});
