import { randomBytes, randomUUID } from 'node:crypto';
import { scrubPii } from '../src/pii';

/** Each kind: texts that must lose the finding (and keep the rest), and look-alikes that must stay. */
const FOUND: Array<[string, string, string]> = [
  // [kind, text, the part that must disappear]
  ['email', 'write to jane.doe+ops@example.co.uk today', 'jane.doe+ops@example.co.uk'],
  ['email', 'cc: a_b@sub.domain.io,', 'a_b@sub.domain.io'],
  ['phone', 'call +1 415 555 2671 now', '+1 415 555 2671'],
  ['phone', 'tel (415) 555-2671', '(415) 555-2671'],
  ['phone', 'mobile +44 20 7946 0958', '+44 20 7946 0958'],
  ['phone', 'ring 415.555.2671.', '415.555.2671'],
  ['card', 'visa 4111 1111 1111 1111 exp', '4111 1111 1111 1111'],
  ['card', 'mc 5500-0000-0000-0004', '5500-0000-0000-0004'],
  ['card', 'amex 378282246310005', '378282246310005'],
  ['card', 'raw body {"note":"x\\n4111111111111111"}', '4111111111111111'],
  ['iban', 'pay to DE89 3704 0044 0532 0130 00 please', 'DE89 3704 0044 0532 0130 00'],
  ['iban', 'GB82WEST12345698765432', 'GB82WEST12345698765432'],
  ['ip', 'from 192.168.10.254 at noon', '192.168.10.254'],
  ['ip', 'client 2001:db8:85a3::8a2e:370:7334 seen', '2001:db8:85a3::8a2e:370:7334'],
  ['ip', 'loopback ::1 and fe80::1', 'fe80::1'],
  ['jwt', 'token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NSJ9.abcDEF123_-x here', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NSJ9.abcDEF123_-x'],
  ['secret', 'Authorization: Bearer abcdef0123456789xyz', 'abcdef0123456789xyz'],
  ['secret', `key oc_live_${'a'.repeat(43)} leaked`, `oc_live_${'a'.repeat(43)}`],
  ['secret', 'OPENAI sk-proj-0123456789abcdefghijABCD', 'sk-proj-0123456789abcdefghijABCD'],
  ['secret', 'aws AKIAIOSFODNN7EXAMPLE', 'AKIAIOSFODNN7EXAMPLE'],
  ['secret', 'url?api_key=s3cr3tv4lue&x=1', 's3cr3tv4lue'],
  ['secret', '{"password": "hunter22"}', 'hunter22'],
  ['ssn', 'ssn 123-45-6789 on file', '123-45-6789'],
  ['address', 'ship to 221B Baker Street, London', '221B Baker Street'],
  ['address', 'at 1600 Pennsylvania Avenue NW', '1600 Pennsylvania Avenue'],
  ['address', 'office: 42 Main St.', '42 Main St.'],
];

const KEPT: string[] = [
  'order 1234567 shipped on 2026-11-30 at 12:30:45',
  'version 1.2.3 and build 10.0.19041.1',
  'job 01a22c83-4a3d-7b43-beb4-d1b1cbdfa5f4 took 1796043131455 ms',
  'card-like but not Luhn: 4111 1111 1111 1112',
  'timestamp 1700000000000 and count 4000000000000',
  'not an IBAN: DE89 3704 0044 0532 0130 01',
  'ratio 3:4:5 and time 10:20',
  'invalid ssn 000-12-3456, 666-12-3456, 923-45-6789, 123-00-4567',
  'the 3 Big Ideas of 2026',
  'email-ish but not: user@localhost, @handle',
  'ping pong echo',
  'ip-like 256.1.1.1 and 1.2.3',
  // This machine, not a person: listen and connect addresses stay readable in logs.
  'listening on 127.0.0.1:3000 and 0.0.0.0:9091; ECONNREFUSED ::1 and 127.10.0.1',
  // Hex ids whose digit runs pass Luhn with a card prefix: ids stay whole.
  'trace b4960083977133b3a623ebf36932c027 span 4093581120343d83',
  'jobs a0dd8e76-2e48-4254-8607-964642f40107 and ee423562-2713-459a-9960-3395106c4b4d',
];

describe('scrubPii', () => {
  it.each(FOUND)('removes %s from %j', (kind, text, secret) => {
    const out = scrubPii(text);
    expect(out).not.toContain(secret);
    expect(out).toContain(`[redacted:${kind}]`);
  });

  it('keeps the words around a finding', () => {
    expect(scrubPii('write to jane@example.com today')).toBe('write to [redacted:email] today');
    expect(scrubPii('Authorization: Bearer abcdef0123456789xyz')).toBe('Authorization: Bearer [redacted:secret]');
    expect(scrubPii('url?api_key=s3cr3tv4lue&x=1')).toBe('url?api_key=[redacted:secret]&x=1');
  });

  it.each(KEPT)('leaves look-alikes alone: %j', (text) => {
    expect(scrubPii(text)).toBe(text);
  });

  it('leaves random trace ids, span ids and UUIDs whole, alone or in a sentence', () => {
    const changed: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      for (const id of [randomBytes(16).toString('hex'), randomBytes(8).toString('hex'), randomUUID()]) {
        // A span id that came out all digits (about 1 in 1,900) is a card number to anyone, a
        // valid one about 1 in 50 of those times: redacting it is right, so it is not asked here.
        if (/^\d+$/.test(id)) continue;
        if (scrubPii(id) !== id || scrubPii(`job ${id} done`) !== `job ${id} done`) changed.push(id);
      }
    }
    expect(changed).toEqual([]);
  });

  it('scrubs several kinds in one text', () => {
    const out = scrubPii('jane@example.com paid with 4111111111111111 from 10.0.0.7, call +33 1 42 68 53 00');
    expect(out).toBe('[redacted:email] paid with [redacted:card] from [redacted:ip], call [redacted:phone]');
  });
});
