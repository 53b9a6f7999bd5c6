import { randomUUID } from 'node:crypto';
import { createHttpApp, createLogger, createMetrics, scrubLogLine, scrubPii } from '../src';
import { captureLogs } from '../src/testing';

function capturedLogger() {
  const logs = captureLogs();
  return { logs, logger: createLogger({ service: 'svc', level: 'debug', destination: logs.stream }) };
}

/** One sample of each kind the scrubber finds. */
const FINDINGS = {
  email: 'jane.doe@example.com',
  phone: '+1 415 555 2671',
  card: '4111 1111 1111 1111',
  iban: 'DE89 3704 0044 0532 0130 00',
  ip: '192.168.10.254',
  ipv6: '2001:db8:85a3::8a2e:370:7334',
  jwt: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NSJ9.abcDEF123_-x',
  bearer: 'Bearer abcdef0123456789xyz',
  apiKey: `oc_live_${'a'.repeat(43)}`,
  assignment: 'password=hunter22',
  embeddedJson: '{"password": "hunter22"}',
  ssn: '123-45-6789',
  address: '221B Baker Street',
};
const SECRETS = ['jane.doe@example.com', '415 555 2671', '4111 1111 1111 1111', 'DE89', '192.168.10.254', '8a2e:370', 'eyJhbGci', 'abcdef0123456789xyz', 'oc_live_', 'hunter22', '123-45-6789', 'Baker Street'];

/** Deterministic pseudo-random numbers (mulberry32), so a failing fuzz case can be replayed. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('every log line goes through scrubPii', () => {
  it('scrubs the message, fields at any depth, child bindings and logged errors', () => {
    const { logs, logger } = capturedLogger();
    const child = logger.child({ customer_phone: FINDINGS.phone });
    child.info({ user: { contact: { email: FINDINGS.email, ips: [FINDINGS.ip, 'none'] } } }, `mail to ${FINDINGS.email} failed`);
    child.error({ err: new Error(`charge of card ${FINDINGS.card} refused`) }, 'payment failed');
    const [info, error] = logs.lines() as Array<Record<string, unknown> & { err: { message: string; stack: string } }>;
    expect(info).toMatchObject({
      customer_phone: '[redacted:phone]',
      user: { contact: { email: '[redacted:email]', ips: ['[redacted:ip]', 'none'] } },
      msg: 'mail to [redacted:email] failed',
      service: 'svc',
      level: 'info',
    });
    expect(error!.err.message).toBe('charge of card [redacted:card] refused');
    expect(error!.err.stack).toMatch(/^Error: charge of card \[redacted:card\] refused\n\s+at /);
    for (const secret of SECRETS) expect(logs.text()).not.toContain(secret);
  });

  it('keeps field names and valid JSON whatever surrounds a finding: quotes, backslashes, escapes', () => {
    const { logs, logger } = capturedLogger();
    const around = ['"', '\\', '\n', '\t', '\r', '\u0007', '\\"', '"}', '{"', '\\n', ':', ',', 'é', '😀'];
    const values: Record<string, string> = {};
    let i = 0;
    for (const [kind, finding] of Object.entries(FINDINGS)) {
      for (const c of around) values[`${kind}_${i++}`] = `${c}${finding}${c}`;
    }
    logger.info({ ...values, 'odd "key"\\': FINDINGS.email, [FINDINGS.email]: 'field names are kept' }, 'many');
    const text = logs.text();
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.split('\n')).toHaveLength(2);
    const line = JSON.parse(text) as Record<string, unknown>;
    for (const [key, value] of Object.entries(values)) expect(line[key]).toBe(scrubPii(value));
    expect(line['odd "key"\\']).toBe('[redacted:email]');
    expect(line[FINDINGS.email]).toBe('field names are kept');
    // Only where scrubPii itself finds them: its word boundaries read a literal `\n` (backslash,
    // n) glued to a finding as the letter n, and IPv6 between colons is not an address to it.
    const found = Object.entries(values).filter(([, v]) => !v.startsWith('\\n') && !v.startsWith(':'));
    for (const secret of SECRETS) expect(JSON.stringify(found.map(([k]) => line[k]))).not.toContain(secret);
  });

  it('gives every string value exactly what scrubPii gives it, on 2,000 random lines (seeded)', () => {
    const random = seeded(20240610);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    const fragments = [...Object.values(FINDINGS), '"', '\\', '\n', '\t', '\u0000', '\u2028', '{', '}', '[', ']', ':', ',', ' ', 'é', '😀', 'a', '12', '-', '.', '=', '@'];
    const text = () => Array.from({ length: 1 + Math.floor(random() * 6) }, () => pick(fragments)).join('');
    const keys = ['note', 'a"b', 'x\\y', 'line\nbreak', 'list', 'nested', FINDINGS.card];
    const value = (depth: number): unknown => {
      const r = random();
      if (depth < 2 && r < 0.15) return Array.from({ length: Math.floor(random() * 3) }, () => value(depth + 1));
      if (depth < 2 && r < 0.3) return Object.fromEntries(Array.from({ length: 1 + Math.floor(random() * 3) }, () => [pick(keys), value(depth + 1)]));
      if (r < 0.4) return Math.floor(random() * 1e6);
      return text();
    };
    const expected = (v: unknown): unknown => {
      if (typeof v === 'string') return scrubPii(v);
      if (Array.isArray(v)) return v.map(expected);
      if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, expected(x)]));
      return v;
    };
    const { logs, logger } = capturedLogger();
    const written: Array<{ fields: Record<string, unknown>; bindings: Record<string, unknown>; msg: string }> = [];
    for (let n = 0; n < 2000; n++) {
      const fields = Object.fromEntries(keys.slice(0, 1 + Math.floor(random() * keys.length)).map((k) => [k, value(0)]));
      const bindings = { b_note: text() };
      const msg = text();
      logger.child(bindings).info(fields, msg);
      written.push({ fields, bindings, msg });
    }
    const lines = logs.text().split('\n').filter(Boolean);
    expect(lines).toHaveLength(written.length);
    lines.forEach((raw, n) => {
      const line = JSON.parse(raw) as Record<string, unknown>;
      const { fields, bindings, msg } = written[n]!;
      expect(Object.keys(line)).toEqual(['level', 'time', 'service', 'b_note', ...Object.keys(fields), 'msg']);
      expect(line).toEqual({ level: 'info', time: line.time, service: 'svc', ...(expected(bindings) as object), ...(expected(fields) as object), msg: scrubPii(msg) });
    });
  });

  it('redacts a card number logged as a number (as a string); other numbers stay numbers', () => {
    const { logs, logger } = capturedLogger();
    logger.info({ card_number: 4111111111111111, card_text: '4111111111111111', ts_ms: 1796043131455, count: 4000000000000, status: 202, duration_ms: 12.5 }, 'n');
    expect(logs.lines()[0]).toMatchObject({ card_number: '[redacted:card]', card_text: '[redacted:card]', ts_ms: 1796043131455, count: 4000000000000, status: 202, duration_ms: 12.5 });
    expect(logs.text()).not.toContain('4111111111111111');
  });

  it('leaves trace ids, job ids, span ids, ISO timestamps and durations untouched', () => {
    const { logs, logger } = capturedLogger();
    const ids = {
      trace_id: randomUUID(),
      job_id: '0190a2c8-4a3d-7b43-beb4-d1b1cbdfa5f4',
      // Ids whose digit runs used to read as card numbers.
      otel_trace_id: 'b4960083977133b3a623ebf36932c027',
      other_trace_id: 'a0dd8e76-2e48-4254-8607-964642f40107',
      span_id: '4093581120343d83',
      client_trace_id: 'abc-123-def',
      started_at: '2026-11-30T12:30:45.123Z',
      offset_time: '2026-11-30T12:30:45+02:00',
      duration_ms: 1234.56,
      took: 'took 1796043131455 ms',
    };
    logger.child({ trace_id: ids.trace_id }).info({ ...ids, trace_id: undefined }, `job ${ids.job_id} done in ${ids.duration_ms} ms at ${ids.started_at}`);
    const line = logs.lines()[0]!;
    expect(line).toMatchObject(ids);
    expect(line.msg).toBe(`job ${ids.job_id} done in ${ids.duration_ms} ms at ${ids.started_at}`);
    expect(typeof line.time).toBe('string');
    expect(Date.parse(line.time as string)).not.toBeNaN();
  });

  it('writes a line without findings byte for byte as pino made it', () => {
    const clean = '{"level":"info","time":"2026-11-30T12:30:45.123Z","service":"svc","z":1,"a":{"b":[1,2]},"dup":1,"dup":2,"msg":"request completed"}\n';
    expect(scrubLogLine(clean)).toBe(clean);
    const { logs, logger } = capturedLogger();
    logger.info({ z: 1, a: 'ok' }, 'plain');
    expect(logs.text()).toMatch(/^\{"level":"info","time":"[^"]+","service":"svc","z":1,"a":"ok","msg":"plain"\}\n$/);
  });

  it('marks findings with text JSON never escapes, so a mark cannot break or leave a line', () => {
    const marks = new Set<string>();
    for (const finding of Object.values(FINDINGS)) for (const mark of scrubPii(finding).match(/\[redacted:[^\]]*\]/g) ?? []) marks.add(mark);
    expect([...marks].sort()).toEqual(['[redacted:address]', '[redacted:card]', '[redacted:email]', '[redacted:iban]', '[redacted:ip]', '[redacted:jwt]', '[redacted:secret]', '[redacted:ssn]', '[redacted:phone]'].sort());
    for (const mark of marks) {
      expect(mark).toMatch(/^\[redacted:[a-z]+\]$/);
      expect(JSON.stringify(mark)).toBe(`"${mark}"`);
    }
  });

  it('scrubs a line that is not JSON as plain text', () => {
    expect(scrubLogLine(`oops ${FINDINGS.email}\n`)).toBe('oops [redacted:email]\n');
  });

  it('covers what a request logs through the kit HTTP app, with its trace id intact', async () => {
    const { logs, logger } = capturedLogger();
    const app = createHttpApp({ service: 'svc', logger, metrics: createMetrics({ service: 'svc', defaultMetrics: false }) });
    app.post('/notify', async (request) => {
      request.log.info({ body: request.body }, `notifying ${FINDINGS.phone}`);
      return { ok: true };
    });
    const traceId = randomUUID();
    const res = await app.inject({ method: 'POST', url: '/notify', headers: { 'x-trace-id': traceId }, payload: { to: FINDINGS.email, note: FINDINGS.assignment } });
    await app.close();
    expect(res.statusCode).toBe(200);
    const line = logs.lines().find((l) => typeof l.msg === 'string' && l.msg.startsWith('notifying'));
    expect(line).toMatchObject({ trace_id: traceId, msg: 'notifying [redacted:phone]', body: { to: '[redacted:email]', note: 'password=[redacted:secret]' } });
    expect(logs.lines().find((l) => l.msg === 'request completed')).toMatchObject({ trace_id: traceId, route: '/notify', status: 200 });
    for (const secret of SECRETS) expect(logs.text()).not.toContain(secret);
  });
});
