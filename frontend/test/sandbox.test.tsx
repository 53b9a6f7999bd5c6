import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { ApiServer, envelope, json, sse } from './support/api-server';
import { KEY, job, renderApp } from './support/render-app';
import tools from './fixtures/tools.json';
import { HISTORY_STORAGE } from '../src/sandbox/history';

let server: ApiServer;
beforeAll(async () => {
  server = await ApiServer.start();
});
afterAll(() => server.close());
beforeEach(() => {
  server.reset();
  server.on('GET', '/ai/tools', (_req, res) => json(res, 200, tools));
  server.on('GET', '/ai/whoami', (_req, res) => json(res, 200, { workspace_id: 'ws-1', actor_id: 'alice', scopes: ['actions:preview', 'actions:execute'] }));
});

const PONG = { success: true, output: 'pong', trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', duration_ms: 4.21, tool: 'echo' };

async function chooseEcho(user: ReturnType<typeof userEvent.setup>) {
  const tool = screen.getByRole('combobox', { name: 'Tool' });
  await screen.findByRole('option', { name: 'echo' });
  await user.selectOptions(tool, 'echo');
}

describe('Exec Sandbox', () => {
  it('fills the Tool selector from GET /ai/tools and refuses params that break the tool schema before sending', async () => {
    const user = userEvent.setup();
    server.on('POST', '/ai/execute', (_req, res) => json(res, 200, PONG));
    renderApp({ gateway: server.url });

    expect(screen.getByRole('heading', { level: 1, name: 'Exec Sandbox' })).toBeInTheDocument();
    await chooseEcho(user);
    expect(screen.getByRole('option', { name: /llm\.complete \(unavailable\)/ })).toBeDisabled();
    await user.type(screen.getByRole('textbox', { name: 'Input' }), 'ping');
    const delay = screen.getByRole('textbox', { name: /delay_ms/ });

    await user.type(delay, '12abc');
    await user.click(screen.getByRole('button', { name: 'Execute' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('delay_ms must be integer');
    expect(delay).toHaveAttribute('aria-invalid', 'true');
    expect(delay).toHaveFocus();

    await user.clear(delay);
    await user.type(delay, '70000');
    await user.click(screen.getByRole('button', { name: 'Execute' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('delay_ms must be <= 60000');
    expect(server.seen('POST', '/ai/execute')).toHaveLength(0);

    await user.clear(delay);
    await user.type(delay, '5');
    await user.click(screen.getByRole('button', { name: 'Execute' }));
    await waitFor(() => expect(server.seen('POST', '/ai/execute')).toHaveLength(1));
    expect(server.seen('POST', '/ai/execute')[0]?.body).toEqual({ input: 'ping', tool: 'echo', params: { delay_ms: 5 } });
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('runs on Ctrl+Enter and shows the output, tool, duration and trace id with a Jaeger link', async () => {
    const user = userEvent.setup();
    server.on('POST', '/ai/execute', (_req, res) => json(res, 200, PONG));
    renderApp({ gateway: server.url, jaegerUrl: 'http://jaeger.test:16686/' });

    await user.type(screen.getByRole('textbox', { name: 'Input' }), 'ping');
    await user.keyboard('{Control>}{Enter}{/Control}');

    const result = screen.getByRole('region', { name: 'Result' });
    await within(result).findByText('Success');
    expect(within(result).getByText('pong')).toBeInTheDocument();
    expect(within(result).getByText('Trace ID')).toBeInTheDocument();
    expect(within(result).getByText(PONG.trace_id)).toBeInTheDocument();
    expect(within(result).getByText('4.21 ms')).toBeInTheDocument();
    expect(within(result).getByRole('link', { name: /Open trace in Jaeger/ })).toHaveAttribute('href', `http://jaeger.test:16686/trace/${PONG.trace_id}`);

    const [sent] = server.seen('POST', '/ai/execute');
    expect(sent?.headers.authorization).toBe(`Bearer ${KEY}`);
    // Auto-select: no tool and no params are sent.
    expect(sent?.body).toEqual({ input: 'ping' });

    // user-event's clipboard stub cannot read back under Node's Blob: watch what is written.
    const write = jest.spyOn(navigator.clipboard, 'writeText');
    await user.click(within(result).getByRole('button', { name: 'Copy trace ID' }));
    expect(write).toHaveBeenCalledWith(PONG.trace_id);
    expect(await within(result).findByText('Copied')).toBeInTheDocument();
  });

  it('shows an error envelope by its code, a sentence a person can act on, the details and the trace id', async () => {
    const user = userEvent.setup();
    server.on('POST', '/ai/execute', (_req, res) =>
      json(res, 400, envelope('VALIDATION_ERROR', 'params are invalid', 'abc-123-def', { details: [{ field: 'params.delay_ms', message: 'Too big: expected number to be <=60000' }] })),
    );
    renderApp({ gateway: server.url, jaegerUrl: 'http://jaeger.test:16686' });

    await user.type(screen.getByRole('textbox', { name: 'Input' }), 'ping');
    await user.click(screen.getByRole('button', { name: 'Execute' }));

    const result = screen.getByRole('region', { name: 'Result' });
    await waitFor(() => expect(within(result).getByRole('status')).toHaveTextContent('Failed: VALIDATION_ERROR'));
    expect(within(result).getByText(/The request was refused because some fields are invalid/)).toBeInTheDocument();
    expect(within(result).getByText('params.delay_ms: Too big: expected number to be <=60000')).toBeInTheDocument();
    expect(within(result).getByText('abc-123-def')).toBeInTheDocument();
    // Not a W3C id: the link searches Jaeger by the correlation attribute.
    const href = within(result).getByRole('link', { name: /Open trace in Jaeger/ }).getAttribute('href') ?? '';
    expect(href.startsWith('http://jaeger.test:16686/search?service=automation-service&tags=')).toBe(true);
    expect(JSON.parse(decodeURIComponent(href.split('tags=')[1] ?? ''))).toEqual({ 'opsconductor.correlation_id': 'abc-123-def' });
  });

  it('Cancel request aborts the request in flight: the server sees the connection close', async () => {
    const user = userEvent.setup();
    let closedEarly = false;
    server.on('POST', '/ai/execute', (_req, res) => {
      // Never answers; records whether the client went away first.
      res.once('close', () => {
        closedEarly = !res.writableEnded;
      });
    });
    renderApp({ gateway: server.url });

    await user.type(screen.getByRole('textbox', { name: 'Input' }), 'slow');
    await user.click(screen.getByRole('button', { name: 'Execute' }));
    const result = screen.getByRole('region', { name: 'Result' });
    expect(within(result).getByRole('status')).toHaveTextContent('Waiting for the answer');
    expect(screen.getByRole('button', { name: 'Execute' })).toBeDisabled();
    await waitFor(() => expect(server.seen('POST', '/ai/execute')).toHaveLength(1));

    await user.click(screen.getByRole('button', { name: 'Cancel request' }));
    await waitFor(() => expect(within(result).getByRole('status')).toHaveTextContent('Cancelled: the request was aborted before an answer arrived.'));
    await waitFor(() => expect(closedEarly).toBe(true));
    expect(screen.getByRole('button', { name: 'Execute' })).toBeEnabled();
  });

  it('shows a curl command of the request with the API key masked', async () => {
    const user = userEvent.setup();
    renderApp({ gateway: server.url });
    await chooseEcho(user);
    await user.type(screen.getByRole('textbox', { name: 'Input' }), "it's ping");
    await user.type(screen.getByRole('textbox', { name: /delay_ms/ }), '10');

    const curl = screen.getByLabelText('curl command');
    expect(curl).toHaveTextContent(`curl -sS -X POST '${server.url}/ai/execute'`);
    expect(curl.textContent).toContain('-H "Authorization: Bearer $OPSCONDUCTOR_API_KEY"');
    expect(curl.textContent).toContain(`-d '{"input":"it'\\''s ping","tool":"echo","params":{"delay_ms":10}}'`);
    expect(curl.textContent).not.toContain(KEY);

    const write = jest.spyOn(navigator.clipboard, 'writeText');
    await user.click(screen.getByRole('button', { name: 'Copy curl command' }));
    expect(write).toHaveBeenCalledWith(curl.textContent);
  });

  it('keeps a history without the key and re-runs an entry with one click', async () => {
    const user = userEvent.setup();
    server.on('POST', '/ai/execute', (req, res) => json(res, 200, { ...PONG, output: (req.body as { input: string }).input }));
    renderApp({ gateway: server.url });
    await chooseEcho(user);
    const input = screen.getByRole('textbox', { name: 'Input' });

    await user.type(input, 'first');
    await user.click(screen.getByRole('button', { name: 'Execute' }));
    await waitFor(() => expect(server.seen('POST', '/ai/execute')).toHaveLength(1));
    await user.clear(input);
    await user.type(input, 'second');
    await user.click(screen.getByRole('button', { name: 'Execute' }));
    await waitFor(() => expect(server.seen('POST', '/ai/execute')).toHaveLength(2));

    const history = screen.getByRole('list', { name: 'Recent requests' });
    await waitFor(() => expect(within(history).getAllByRole('listitem')).toHaveLength(2));
    const stored = localStorage.getItem(HISTORY_STORAGE) ?? '';
    expect(JSON.parse(stored)).toHaveLength(2);
    expect(stored).not.toContain(KEY);

    await user.click(within(history).getByRole('button', { name: 'Re-run first (echo)' }));
    await waitFor(() => expect(server.seen('POST', '/ai/execute')).toHaveLength(3));
    expect(server.seen('POST', '/ai/execute')[2]?.body).toEqual({ input: 'first', tool: 'echo' });
    expect(input).toHaveValue('first');
    expect(await within(screen.getByRole('region', { name: 'Result' })).findByText('first')).toBeInTheDocument();
  });

  it('runs as a job and follows its status live on the job event stream', async () => {
    const user = userEvent.setup();
    const submitted = job({ status: 'pending' });
    const path = `/ai/jobs/${submitted.job_id}`;
    server.on('POST', '/ai/jobs', (_req, res) => json(res, 202, submitted, { location: path }));
    let streamOpened: (w: ReturnType<typeof sse>) => void = () => undefined;
    const stream = new Promise<ReturnType<typeof sse>>((resolve) => (streamOpened = resolve));
    server.on('GET', `${path}/events`, (_req, res) => {
      const w = sse(res);
      w.send({ id: '1-0', event: 'pending', data: { job_id: submitted.job_id, status: 'pending', prev: null, at: submitted.created_at, attempts: 0, snapshot: true } });
      w.send({ event: 'position', data: { job_id: submitted.job_id, status: 'pending', position: 2, at: submitted.created_at } });
      streamOpened(w);
    });
    // The job as the store holds it at each moment; the app re-reads it after status events.
    let stored = submitted;
    server.on('GET', path, (_req, res) => json(res, 200, stored));
    renderApp({ gateway: server.url });
    await chooseEcho(user);
    await user.type(screen.getByRole('textbox', { name: 'Input' }), 'ping');
    await user.click(screen.getByRole('radio', { name: 'Run as job' }));
    await user.click(screen.getByRole('button', { name: 'Execute' }));

    const result = screen.getByRole('region', { name: 'Result' });
    await waitFor(() => expect(within(result).getByRole('status')).toHaveTextContent('Job pending — position 2 in the queue'));
    const [sent] = server.seen('POST', '/ai/jobs');
    expect(sent?.body).toEqual({ action: 'echo', params: { input: 'ping' } });
    expect(sent?.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);

    const w = await stream;
    stored = job({ status: 'running', attempts: 1, started_at: '2026-01-12T09:30:00.500Z' });
    w.send({ id: '2-0', event: 'running', data: { job_id: submitted.job_id, status: 'running', prev: 'pending', at: submitted.created_at, attempts: 1 } });
    await waitFor(() => expect(within(result).getByRole('status')).toHaveTextContent('Job running'));
    stored = job({ status: 'completed', attempts: 1, result: 'pong', started_at: '2026-01-12T09:30:00.500Z', finished_at: '2026-01-12T09:30:01.000Z' });
    w.send({ id: '3-0', event: 'completed', data: { job_id: submitted.job_id, status: 'completed', prev: 'running', at: submitted.created_at, attempts: 1 } });
    w.end();
    await waitFor(() => expect(within(result).getByRole('status')).toHaveTextContent('Job completed'));
    expect(await within(result).findByText('pong')).toBeInTheDocument();
  });
});
