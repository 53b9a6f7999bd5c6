/**
 * The actions with side effects, through the gateway and the queue on the real mesh: a
 * gmail.send job delivers exactly one email to a real SMTP server although its first attempt
 * is deferred and retried; a refused recipient sends the job to the dead-letter queue at once;
 * a webhook.post job delivers one signed body, and a webhook to a private address is refused;
 * a dead LLM provider trips its circuit breaker, and later calls fail fast without reaching it.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createCredentialCipher, setMailAccount, setWorkspaceSettings } from '@opsconductor/db';
import { waitFor } from '@opsconductor/mesh';
import type { Mesh } from '@opsconductor/mesh';
import { startSmtpReceiver } from '../../services/ai-pipeline/test/smtp-receiver';
import type { SmtpReceiver } from '../../services/ai-pipeline/test/smtp-receiver';
import { apiCall } from './api-call';
import type { AuthHeaders } from './api-call';
import { startTestMesh } from './test-mesh';
import type { TestMesh } from './test-mesh';

interface JobView {
  job_id: string;
  status: string;
  attempts: number;
  result?: Record<string, unknown>;
  error?: { code: string; message: string } | null;
}

const CREDENTIALS_KEY = randomBytes(32).toString('base64');
const LOGIN = { user: 'ops@example.com', pass: 'gmail app password' };

let testMesh: TestMesh;
let mesh: Mesh;
let smtp: SmtpReceiver;
let hooks: { port: number; bodies: { body: string; signature: string | undefined; delivery: string | undefined }[]; close(): Promise<void> };
let WS: AuthHeaders;
/** An LLM provider that is up but dead: it takes each request and drops the connection. */
let deadLlm: { url: string; requests: number; close(): Promise<void> };

async function startDeadLlm(): Promise<typeof deadLlm> {
  const state = { requests: 0 };
  const server = http.createServer((req) => {
    state.requests += 1;
    req.socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    get requests() {
      return state.requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function startHookReceiver(): Promise<typeof hooks> {
  const bodies: (typeof hooks)['bodies'] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += String(c)));
    req.on('end', () => {
      bodies.push({ body, signature: req.headers['x-opsconductor-signature'] as string | undefined, delivery: req.headers['x-opsconductor-delivery'] as string | undefined });
      res.writeHead(202).end('accepted');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    bodies,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

beforeAll(async () => {
  smtp = await startSmtpReceiver(LOGIN);
  hooks = await startHookReceiver();
  deadLlm = await startDeadLlm();
  testMesh = await startTestMesh({
    name: 'actions',
    serviceEnv: {
      'ai-pipeline': {
        CREDENTIALS_ENCRYPTION_KEY: CREDENTIALS_KEY,
        SMTP_SINK_URL: smtp.url,
        EMAIL_TIMEOUT_MS: '5000',
        WEBHOOK_SIGNING_SECRET: 'e2e-webhook-signing-secret',
        // The receiver is on loopback; every other private address stays refused.
        WEBHOOK_ALLOW_PRIVATE_HOSTS: 'localhost',
        AI_BASE_URL: deadLlm.url,
        // Three failures open a circuit, and it stays open for the rest of the suite.
        CIRCUIT_BREAKER_VOLUME_THRESHOLD: '3',
        CIRCUIT_BREAKER_RESET_MS: '600000',
      },
      // Retries shortened so a deferred email is tried again at once.
      'queue-worker': { RETRY_BASE_MS: '50', RETRY_FACTOR: '2', RETRY_CAP_MS: '200' },
    },
  });
  mesh = testMesh.mesh;
  WS = await testMesh.keyFor('ws-actions', 'alice');
  await setMailAccount(testMesh.db, createCredentialCipher(CREDENTIALS_KEY), {
    workspace_id: 'ws-actions',
    provider: 'gmail',
    username: LOGIN.user,
    from_address: 'ops@example.com',
    password: LOGIN.pass,
  });
  await setWorkspaceSettings(testMesh.db, 'ws-actions', { webhook_hosts: ['localhost', '127.0.0.1'] });
}, 120_000);

afterAll(async () => {
  await testMesh?.stop();
  await smtp?.close();
  await hooks?.close();
  await deadLlm?.close();
}, 60_000);

const gw = (p: string) => `${mesh.urls.gateway}${p}`;

async function submit(action: string, params: unknown, maxAttempts = 3): Promise<string> {
  const res = await apiCall('POST', gw('/ai/jobs'), { action, params, max_attempts: maxAttempts }, WS);
  expect(res.status).toBe(202);
  return res.json.job_id as string;
}

async function settled(id: string): Promise<JobView> {
  let job: JobView | undefined;
  await waitFor(`job ${id} settled`, async () => ['completed', 'dead'].includes((job = (await apiCall('GET', gw(`/ai/jobs/${id}`), undefined, WS)).json as unknown as JobView).status), {
    timeoutMs: 20_000,
  });
  return job as JobView;
}

it('a gmail.send job delivers exactly one email although its first attempt is deferred and retried', async () => {
  const before = smtp.mails.length;
  smtp.failNext(1, 451, 'Greylisted, try again later');
  const id = await submit('gmail.send', { to: 'alice@example.com', subject: 'Release 2.4 is out', text: 'Notes inside.' });
  const job = await settled(id);
  expect(job).toMatchObject({ status: 'completed', attempts: 2, result: { delivered: true, provider: 'gmail', delivery_id: id, accepted: ['alice@example.com'] } });
  const mails = smtp.mails.slice(before);
  expect(mails).toHaveLength(1);
  expect(mails[0]).toMatchObject({ from: 'ops@example.com', to: ['alice@example.com'], user: LOGIN.user });
  expect(mails[0]?.parsed.subject).toBe('Release 2.4 is out');
  expect(mails[0]?.parsed.headers.get('x-opsconductor-delivery')).toBe(id);
});

it('a refused recipient sends the email job to the dead-letter queue at once, without retries', async () => {
  const before = smtp.mails.length;
  const id = await submit('gmail.send', { to: 'nobody@refused.example', subject: 'x', text: 'y' });
  const job = await settled(id);
  expect(job).toMatchObject({ status: 'dead', attempts: 1, error: { code: 'BAD_GATEWAY' } });
  expect(smtp.mails.length).toBe(before);
});

it('a webhook.post job delivers one signed body; a webhook to a private address is refused for good', async () => {
  const id = await submit('webhook.post', { url: `http://localhost:${hooks.port}/deploys`, body: { release: '2.4' } });
  const job = await settled(id);
  expect(job).toMatchObject({ status: 'completed', attempts: 1, result: { status: 202, delivered: true, delivery_id: id } });
  expect(hooks.bodies.filter((b) => b.delivery === id)).toEqual([{ body: '{"release":"2.4"}', signature: expect.stringMatching(/^t=\d+,v1=[0-9a-f]{64}$/), delivery: id }]);

  // 127.0.0.1 is on the workspace's list, but only the name localhost is exempt from the address check.
  const refused = await settled(await submit('webhook.post', { url: `http://127.0.0.1:${hooks.port}/deploys`, body: {} }));
  expect(refused).toMatchObject({ status: 'dead', attempts: 1, error: { code: 'FORBIDDEN', message: expect.stringContaining('private address') } });
  expect(hooks.bodies.filter((b) => b.delivery === refused.job_id)).toEqual([]);
});

it('a dead LLM provider trips its breaker: after three failures calls answer 503 at once without reaching it', async () => {
  const ask = () => apiCall('POST', gw('/ai/execute'), { tool: 'llm.complete', input: 'Summarise the release notes' }, WS);
  for (let i = 0; i < 3; i += 1) {
    const failed = await ask();
    expect(failed.status).toBe(502);
    expect(failed.json).toMatchObject({ success: false, tool: 'llm.complete', error: { code: 'BAD_GATEWAY' } });
  }
  expect(deadLlm.requests).toBe(3);

  const refused = await ask();
  expect(refused.status).toBe(503);
  expect(refused.json).toMatchObject({ error: { code: 'UNAVAILABLE', message: expect.stringContaining('the LLM provider is failing') } });
  expect(deadLlm.requests).toBe(3);

  const pipelineMetrics = await (await fetch(`${mesh.urls.pipelineMetrics}/metrics`)).text();
  expect(pipelineMetrics).toMatch(/circuit_breaker_state\{[^}]*breaker="llm"[^}]*state="open"[^}]*\} 1/);
  // ai-pipeline itself answered every time: the automation-service's circuit to it stays closed.
  const automationMetrics = await (await fetch(`${mesh.urls.automationMetrics}/metrics`)).text();
  expect(automationMetrics).toMatch(/circuit_breaker_state\{[^}]*breaker="ai_pipeline"[^}]*state="closed"[^}]*\} 1/);
});
