import { readdirSync } from 'node:fs';
import { backoffCeilingMs, backoffDelayMs, createKeySpace, fnv1a32, LUA_DIR, partitionOf, SCRIPT_NAMES, scriptSources } from '../src/index';
import { decodeCursor, encodeCursor } from '../src/cursor';

describe('backoff', () => {
  it('has ceilings of 1 s, 5 s, 25 s, 125 s by default, capped after', () => {
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffCeilingMs(a))).toEqual([1000, 5000, 25_000, 125_000, 125_000, 125_000]);
  });

  it('draws full jitter in [0, ceiling)', () => {
    expect(backoffDelayMs(3, {}, () => 0)).toBe(0);
    expect(backoffDelayMs(3, {}, () => 0.999999)).toBe(24_999);
    expect(backoffDelayMs(2, {}, () => 0.5)).toBe(2500);
    for (let i = 0; i < 200; i++) {
      const d = backoffDelayMs(4);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(125_000);
    }
  });

  it('follows configured base, factor and cap (shortened for tests)', () => {
    const opts = { baseMs: 10, factor: 2, capMs: 50 };
    expect([1, 2, 3, 4, 5].map((a) => backoffCeilingMs(a, opts))).toEqual([10, 20, 40, 50, 50]);
  });
});

describe('partitions', () => {
  it('hashes with 32-bit FNV-1a (reference values)', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it('puts a workspace in one stable partition', () => {
    expect(partitionOf('foobar', 16)).toBe(0xbf9cf968 % 16);
    const spread = new Set(Array.from({ length: 200 }, (_, i) => partitionOf(`ws-${i}`, 16)));
    expect(spread.size).toBe(16);
  });

  it('derives every key of a workspace from its partition tag', () => {
    const keys = createKeySpace('oc', 16);
    const p = partitionOf('ws-1', 16);
    expect(keys.job('ws-1', 'j')).toBe(`{oc:p${p}}:ws:ws-1:job:j`);
    expect(keys.index('ws-1', 'dead')).toBe(`{oc:p${p}}:ws:ws-1:idx:dead`);
    expect(keys.ready(3)).toBe('{oc:p3}:ready');
    expect(keys.channels).toEqual({ wake: 'oc:wake', cancel: 'oc:cancel' });
  });
});

describe('cursor', () => {
  it('round-trips a position opaquely', () => {
    const c = encodeCursor({ score: 1750000000000, member: 'ws|id' });
    expect(c).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(c)).toEqual({ score: 1750000000000, member: 'ws|id' });
  });

  it('refuses anything else with VALIDATION_ERROR', () => {
    for (const bad of ['', '!!', Buffer.from('[1]').toString('base64url'), Buffer.from('["a","b"]').toString('base64url')]) {
      expect(() => decodeCursor(bad)).toThrow(expect.objectContaining({ code: 'VALIDATION_ERROR', field: 'cursor' }));
    }
  });
});

describe('lua scripts', () => {
  it('has one file per script and nothing unused', () => {
    const files = readdirSync(LUA_DIR).filter((f) => f.endsWith('.lua')).map((f) => f.replace(/\.lua$/, ''));
    expect(files.sort()).toEqual([...SCRIPT_NAMES].sort());
  });

  it('documents KEYS, ARGV and the output in each header and expands its includes', () => {
    for (const [name, source] of scriptSources()) {
      const header = /^--\[\[([\s\S]*?)\]\]/.exec(source)?.[1] ?? '';
      expect([name, /KEYS\[1(\]|\.\.)/.test(header), /ARGV\[1\]/.test(header), /Output:/.test(header)]).toEqual([name, true, true, true]);
      expect(source).not.toMatch(/^-- @include/m);
      expect(source).toContain('local function setStatus');
    }
  });
});
