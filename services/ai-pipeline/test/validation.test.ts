import { startService } from './helpers';
import type { TestService } from './helpers';

interface Envelope {
  success: false;
  error: { code: string; message: string; retryable: boolean; details?: Array<{ field: string; message: string }> };
  trace_id: string;
  tool?: string;
}

describe('POST /execute refuses bad requests with the envelope', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startService();
  });
  afterAll(() => service.close());

  const post = async (payload: string, contentType = 'application/json') => {
    const res = await service.app.inject({ method: 'POST', url: '/execute', payload, headers: { 'content-type': contentType } });
    return { status: res.statusCode, body: res.json<Envelope>(), headers: res.headers };
  };
  const fieldsOf = (body: Envelope) => (body.error.details ?? []).map((d) => d.field);

  it('names an unknown field', async () => {
    const { status, body } = await post(JSON.stringify({ input: 'ping', extra: 1 }));
    expect(status).toBe(400);
    expect(body).toMatchObject({ success: false, error: { code: 'VALIDATION_ERROR', retryable: false }, trace_id: expect.any(String) });
    expect(body.error.details).toEqual([{ field: 'body', message: 'unknown field(s): extra' }]);
  });

  it('names a missing input', async () => {
    const { status, body } = await post(JSON.stringify({ tool: 'echo' }));
    expect(status).toBe(400);
    expect(fieldsOf(body)).toEqual(['body.input']);
    expect(body.tool).toBe('echo');
  });

  it('refuses an empty input and one over 100000 characters', async () => {
    expect(fieldsOf((await post(JSON.stringify({ input: '' }))).body)).toEqual(['body.input']);
    expect(fieldsOf((await post(JSON.stringify({ input: 'x'.repeat(100_001) }))).body)).toEqual(['body.input']);
  });

  it('names every field of the wrong type', async () => {
    const { status, body } = await post(JSON.stringify({ input: 42, tool: ['echo'], params: 'fast' }));
    expect(status).toBe(400);
    expect(fieldsOf(body).sort()).toEqual(['body.input', 'body.params', 'body.tool']);
  });

  it('refuses a body that is not an object', async () => {
    const { status, body } = await post(JSON.stringify(['ping']));
    expect(status).toBe(400);
    expect(body.error.code).toBe('VALIDATION_ERROR');
  });

  it('names an unknown tool and lists the registered ones', async () => {
    const { status, body } = await post(JSON.stringify({ input: 'ping', tool: 'teleport' }));
    expect(status).toBe(400);
    expect(body.error.message).toBe('unknown tool "teleport"; registered tools: echo, email.send, gmail.send, llm.complete, outlook.send, task.create, webhook.post');
    expect(body.error.details).toEqual([{ field: 'body.tool', message: 'unknown tool; one of: echo, email.send, gmail.send, llm.complete, outlook.send, task.create, webhook.post' }]);
    expect(body.tool).toBeUndefined();
  });

  it('names bad params of the chosen tool under body.params', async () => {
    const wrongType = await post(JSON.stringify({ input: 'ping', tool: 'echo', params: { delay_ms: 'soon' } }));
    expect(wrongType.status).toBe(400);
    expect(fieldsOf(wrongType.body)).toEqual(['body.params.delay_ms']);
    expect(wrongType.body.tool).toBe('echo');

    const outOfRange = await post(JSON.stringify({ input: 'ping', tool: 'echo', params: { delay_ms: 60_001 } }));
    expect(fieldsOf(outOfRange.body)).toEqual(['body.params.delay_ms']);

    const unknown = await post(JSON.stringify({ input: 'ping', tool: 'echo', params: { speed: 1 } }));
    expect(unknown.body.error.details).toEqual([{ field: 'body.params', message: 'unknown field(s): speed' }]);

    const llm = await post(JSON.stringify({ input: 'hi', tool: 'llm', params: { temperature: 3 } }));
    expect(fieldsOf(llm.body)).toEqual(['body.params.temperature']);
  });

  it('answers 415 to a body that is not JSON', async () => {
    const { status, body } = await post('input=ping', 'text/plain');
    expect(status).toBe(415);
    expect(body).toMatchObject({ success: false, error: { code: 'UNSUPPORTED_MEDIA_TYPE', retryable: false } });
  });

  it('answers 400 to invalid JSON', async () => {
    const { status, body } = await post('{"input": "ping"');
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: [{ field: 'body', message: 'invalid JSON' }] });
  });

  it('answers 413 to a body over the limit', async () => {
    const { status, body } = await post(JSON.stringify({ input: 'x'.repeat(1024 * 1024) }));
    expect(status).toBe(413);
    expect(body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });
});
