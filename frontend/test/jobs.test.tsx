import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { ApiServer, json, sse } from './support/api-server';
import type { SseWriter } from './support/api-server';
import { job, jobId, renderApp } from './support/render-app';
import type { JobView } from '../src/api/types';

let server: ApiServer;
beforeAll(async () => {
  server = await ApiServer.start();
});
afterAll(() => server.close());

const ME = { workspace_id: 'ws-1', actor_id: 'alice', scopes: ['actions:preview', 'actions:execute'] };
const at = (n: number) => new Date(Date.UTC(2026, 0, 12, 9, 30, n)).toISOString();

/** Five jobs of the workspace, newest first, as the store lists them. */
const JOBS: JobView[] = [
  job({ job_id: jobId(5), status: 'pending', created_at: at(5) }),
  job({ job_id: jobId(4), status: 'running', attempts: 1, created_at: at(4) }),
  job({ job_id: jobId(3), status: 'failed', attempts: 1, created_at: at(3), error: { code: 'BAD_GATEWAY', message: 'AI Pipeline is unreachable' } }),
  job({ job_id: jobId(2), status: 'completed', attempts: 1, created_at: at(2), result: 'pong' }),
  job({ job_id: jobId(1), status: 'dead', attempts: 5, created_at: at(1), error: { code: 'TIMEOUT', message: 'timed out' } }),
];

/** GET /ai/jobs over JOBS: status filter, limit and an opaque cursor (the offset, base64). */
function listing(jobs: () => JobView[]) {
  server.on('GET', '/ai/jobs', (req, res) => {
    const status = req.query.get('status');
    const limit = Number(req.query.get('limit') ?? 100);
    const offset = req.query.has('cursor') ? Number(Buffer.from(req.query.get('cursor') ?? '', 'base64url').toString()) : 0;
    const matching = jobs().filter((j) => !status || j.status === status);
    const page = matching.slice(offset, offset + limit);
    const next = offset + limit < matching.length ? Buffer.from(String(offset + limit)).toString('base64url') : null;
    json(res, 200, { jobs: page, next_cursor: next });
  });
}

/** The workspace stream: each connection is handed to the test, which writes events to it. */
function workspaceStream() {
  const connections: { writer: SseWriter; lastEventId: string | null }[] = [];
  server.on('GET', '/ai/events', (req, res) => {
    connections.push({ writer: sse(res), lastEventId: req.query.get('last_event_id') });
  });
  return connections;
}

const rowOf = (id: string) => screen.getByRole('link', { name: `Job ${id}` }).closest('tr') as HTMLElement;

beforeEach(() => {
  server.reset();
  server.on('GET', '/ai/whoami', (_req, res) => json(res, 200, ME));
});

describe('Jobs console', () => {
  it('lists the jobs newest first, filters them by status and loads more with the cursor', async () => {
    const user = userEvent.setup();
    const many = Array.from({ length: 25 }, (_, i) => job({ job_id: jobId(100 - i), status: i % 2 ? 'completed' : 'pending', created_at: at(59 - i) }));
    listing(() => many);
    workspaceStream();
    renderApp({ gateway: server.url, hash: '#/jobs' });

    expect(screen.getByRole('heading', { level: 1, name: 'Jobs' })).toBeInTheDocument();
    const table = await screen.findByRole('table', { name: 'Jobs' });
    await waitFor(() => expect(within(table).getAllByRole('link')).toHaveLength(20));
    expect(within(table).getAllByRole('link')[0]).toHaveAccessibleName(`Job ${jobId(100)}`);

    await user.click(screen.getByRole('button', { name: 'Load more' }));
    await waitFor(() => expect(within(table).getAllByRole('link')).toHaveLength(25));
    expect(within(table).getAllByRole('link')[24]).toHaveAccessibleName(`Job ${jobId(76)}`);
    expect(screen.queryByRole('button', { name: 'Load more' })).not.toBeInTheDocument();
    const pages = server.seen('GET', '/ai/jobs');
    expect(pages[1]?.query.get('cursor')).toBeTruthy();

    await user.selectOptions(screen.getByRole('combobox', { name: 'Status filter' }), 'completed');
    await waitFor(() => expect(within(screen.getByRole('table', { name: 'Jobs' })).getAllByRole('link')).toHaveLength(12));
    expect(server.seen('GET', '/ai/jobs').at(-1)?.query.get('status')).toBe('completed');
    for (const row of within(screen.getByRole('table', { name: 'Jobs' })).getAllByRole('row').slice(1)) expect(row).toHaveTextContent('completed');
  });

  it('changes a row live from the one workspace stream and resumes after the last event id', async () => {
    listing(() => JOBS);
    const streams = workspaceStream();
    renderApp({ gateway: server.url, hash: '#/jobs' });
    await screen.findByRole('link', { name: `Job ${jobId(5)}` });
    expect(within(rowOf(jobId(5))).getByText('pending')).toBeInTheDocument();
    await waitFor(() => expect(streams).toHaveLength(1));
    expect(screen.getByText(/Updates: Live/)).toBeInTheDocument();

    const first = streams[0]!;
    expect(first.lastEventId).toBeNull();
    first.writer.send({ event: 'position', data: { job_id: jobId(5), status: 'pending', position: 3, at: at(6) } });
    await waitFor(() => expect(rowOf(jobId(5))).toHaveTextContent('#3 in queue'));
    first.writer.retry(20); // reconnect soon after the drop below
    first.writer.send({ id: '1718000000123-0', event: 'running', data: { job_id: jobId(5), status: 'running', prev: 'pending', at: at(7), attempts: 1 } });
    await waitFor(() => expect(within(rowOf(jobId(5))).getByText('running')).toBeInTheDocument());
    expect(rowOf(jobId(5))).toHaveTextContent('1/5');
    first.writer.end();

    // The client reconnects by itself, after the last stored event it saw.
    await waitFor(() => expect(streams).toHaveLength(2));
    expect(streams[1]!.lastEventId).toBe('1718000000123-0');
    expect(server.seen('GET', '/ai/events')[1]?.headers.authorization).toMatch(/^Bearer /);
    streams[1]!.writer.send({ id: '1718000000124-0', event: 'completed', data: { job_id: jobId(5), status: 'completed', prev: 'running', at: at(8), attempts: 1 } });
    await waitFor(() => expect(within(rowOf(jobId(5))).getByText('completed')).toBeInTheDocument());

    // Live, not polled: the list was read once.
    expect(server.seen('GET', '/ai/jobs')).toHaveLength(1);
  });

  it('puts a job created elsewhere on top, read once when its first event arrives', async () => {
    const created = job({ job_id: jobId(6), status: 'pending', action: 'llm', created_at: at(9) });
    listing(() => JOBS);
    server.on('GET', `/ai/jobs/${created.job_id}`, (_req, res) => json(res, 200, created));
    const streams = workspaceStream();
    renderApp({ gateway: server.url, hash: '#/jobs' });
    await screen.findByRole('link', { name: `Job ${jobId(5)}` });
    await waitFor(() => expect(streams).toHaveLength(1));

    streams[0]!.writer.send({ id: '1-0', event: 'pending', data: { job_id: created.job_id, status: 'pending', prev: null, at: at(9), attempts: 0 } });
    await waitFor(() => expect(within(screen.getByRole('table', { name: 'Jobs' })).getAllByRole('link')[0]).toHaveAccessibleName(`Job ${created.job_id}`));
    expect(rowOf(created.job_id)).toHaveTextContent('llm');
  });

  it('shows a job in detail with its queue position, and cancels and retries it', async () => {
    const user = userEvent.setup();
    const pending = JOBS[0]!;
    const failed = JOBS[2]!;
    listing(() => JOBS);
    const streams = workspaceStream();
    server.on('GET', `/ai/jobs/${pending.job_id}`, (_req, res) => json(res, 200, pending));
    server.on('GET', `/ai/jobs/${failed.job_id}`, (_req, res) => json(res, 200, failed));
    server.on('POST', `/ai/jobs/${pending.job_id}/cancel`, (_req, res) => json(res, 200, { ...pending, status: 'cancelled', finished_at: at(20) }));
    server.on('POST', `/ai/jobs/${failed.job_id}/retry`, (_req, res) => json(res, 202, { ...failed, status: 'pending', attempts: 0 }));
    renderApp({ gateway: server.url, hash: '#/jobs', jaegerUrl: 'http://jaeger.test' });

    await user.click(await screen.findByRole('link', { name: `Job ${pending.job_id}` }));
    const detail = await screen.findByRole('region', { name: 'Job details' });
    expect(within(detail).getByLabelText('Params')).toHaveTextContent('"input": "ping"');
    expect(within(detail).getByRole('link', { name: /Open trace in Jaeger/ })).toHaveAttribute('href', `http://jaeger.test/trace/${pending.trace_id}`);
    await waitFor(() => expect(streams).toHaveLength(1));
    streams[0]!.writer.send({ event: 'position', data: { job_id: pending.job_id, status: 'pending', position: 4, at: at(10) } });
    await waitFor(() => expect(within(detail).getByText('Queue position').nextElementSibling).toHaveTextContent('4'));
    expect(within(detail).getByRole('button', { name: 'Retry job' })).toBeDisabled();

    await user.click(within(detail).getByRole('button', { name: 'Cancel job' }));
    await waitFor(() => expect(within(detail).getByText('Job cancelled.')).toBeInTheDocument());
    expect(server.seen('POST', `/ai/jobs/${pending.job_id}/cancel`)).toHaveLength(1);
    expect(within(rowOf(pending.job_id)).getByText('cancelled')).toBeInTheDocument();

    await user.click(screen.getByRole('link', { name: `Job ${failed.job_id}` }));
    const failedDetail = await screen.findByRole('region', { name: 'Job details' });
    await waitFor(() => expect(within(failedDetail).getByText('AI Pipeline is unreachable')).toBeInTheDocument());
    await user.click(within(failedDetail).getByRole('button', { name: 'Retry job' }));
    await waitFor(() => expect(within(failedDetail).getByText('Job queued again.')).toBeInTheDocument());
    expect(server.seen('POST', `/ai/jobs/${failed.job_id}/retry`)).toHaveLength(1);
  });

  it('turns "cancel requested" into "cancelled" when the worker has stopped a running job', async () => {
    const user = userEvent.setup();
    const running = { ...JOBS[0]!, status: 'running' as const, started_at: at(11) };
    listing(() => [running, ...JOBS.slice(1)]);
    const streams = workspaceStream();
    let stored: JobView = running;
    server.on('GET', `/ai/jobs/${running.job_id}`, (_req, res) => json(res, 200, stored));
    server.on('POST', `/ai/jobs/${running.job_id}/cancel`, (_req, res) => json(res, 202, (stored = { ...running, cancel_requested: true })));
    renderApp({ gateway: server.url, hash: '#/jobs' });

    await user.click(await screen.findByRole('link', { name: `Job ${running.job_id}` }));
    const detail = await screen.findByRole('region', { name: 'Job details' });
    await user.click(within(detail).getByRole('button', { name: 'Cancel job' }));
    await waitFor(() => expect(within(detail).getByText(/^Cancel requested/)).toBeInTheDocument());
    await waitFor(() => expect(streams).toHaveLength(1));
    // The worker stopped it: the store says so, and the stream tells the page.
    stored = { ...stored, status: 'cancelled', finished_at: at(12) };
    streams[0]!.writer.send({ id: '2-0', event: 'cancelled', data: { job_id: running.job_id, status: 'cancelled', prev: 'running', at: at(12), attempts: 1 } });
    await waitFor(() => expect(within(detail).getByText('Job cancelled.')).toBeInTheDocument());
    expect(within(detail).queryByText(/^Cancel requested/)).toBeNull();
  });

  it('shows admins the dead-letter list and replays a dead job; others never see it', async () => {
    const user = userEvent.setup();
    const dead = JOBS[4]!;
    listing(() => JOBS);
    workspaceStream();
    server.on('GET', '/ai/whoami', (_req, res) => json(res, 200, { ...ME, scopes: [...ME.scopes, 'admin'] }));
    server.on('GET', '/ai/queue/dlq', (_req, res) => json(res, 200, { jobs: [dead], next_cursor: null }));
    server.on('POST', '/ai/queue/dlq/replay', (_req, res) => json(res, 202, { ...dead, status: 'pending', attempts: 0 }));
    const { unmount } = renderApp({ gateway: server.url, hash: '#/jobs' });

    const dlq = await screen.findByRole('region', { name: 'Dead letters' });
    await user.click(await within(dlq).findByRole('button', { name: `Replay job ${dead.job_id}` }));
    await waitFor(() => expect(within(dlq).getByText(`Job ${dead.job_id} queued again.`)).toBeInTheDocument());
    expect(server.seen('POST', '/ai/queue/dlq/replay')[0]?.body).toEqual({ job_id: dead.job_id });
    expect(within(dlq).queryByRole('button', { name: `Replay job ${dead.job_id}` })).not.toBeInTheDocument();
    unmount();

    server.on('GET', '/ai/whoami', (_req, res) => json(res, 200, ME));
    renderApp({ gateway: server.url, hash: '#/jobs' });
    await screen.findByRole('table', { name: 'Jobs' });
    await waitFor(() => expect(server.seen('GET', '/ai/whoami')).toHaveLength(2));
    expect(screen.queryByRole('region', { name: 'Dead letters' })).not.toBeInTheDocument();
  });
});
