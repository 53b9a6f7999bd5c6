import { z } from 'zod';
import { Registry } from 'prom-client';
import { createPipelineMetrics } from '../src/metrics';
import type { PipelineMetrics } from '../src/metrics';
import { createSelector } from '../src/selector/selector';
import { tokenize } from '../src/selector/score';
import { createDefaultTools } from '../src/tools';
import { ToolRegistry, defineTool } from '../src/tools/registry';
import { echoTool } from '../src/tools/echo';
import { sample, startService } from './helpers';

const fakeTool = (name: string, description: string, keywords: string[], platform = 'builtin') =>
  defineTool({ name, description, platform, keywords, params: z.strictObject({}), execute: async () => name });

function setup(registry: ToolRegistry = createDefaultTools({})) {
  const promRegistry = new Registry();
  const metrics = createPipelineMetrics(promRegistry);
  return { selector: createSelector({ registry, metrics }), metrics, promRegistry };
}

const count = async (m: PipelineMetrics, which: 'selectorCacheHitsTotal' | 'selectorCacheMissesTotal') =>
  (await m[which].get()).values[0]?.value ?? 0;

describe('the selector', () => {
  it('splits input into lower-case words', () => {
    expect(tokenize('  Send an E-mail to Bob!')).toEqual(['send', 'an', 'e', 'mail', 'to', 'bob']);
  });

  it.each([
    ['ping', 'echo'],
    ['PING!', 'echo'],
    ['run a health check', 'echo'],
    ['echo hello world', 'echo'],
    ['summarise this article', 'llm.complete'],
    ['please translate this to French', 'llm.complete'],
    ['what is the capital of France', 'llm.complete'],
    ['zxqv', 'llm.complete'],
  ])('picks the tool for %j: %s', (input, tool) => {
    expect(setup().selector.select(input)?.tool.name).toBe(tool);
  });

  it('falls back to llm.complete, unmatched, when nothing scores', () => {
    expect(setup().selector.select('bonjour tout le monde')).toMatchObject({ tool: { name: 'llm.complete' }, matched: false, score: 0 });
  });

  it('weighs a tool name above a keyword above a description word', () => {
    const registry = new ToolRegistry([
      fakeTool('deploy', 'ships a release', ['ship']),
      fakeTool('notify', 'tells people about a deploy', ['release']),
      fakeTool('status', 'reports release status', []),
    ]);
    const { selector } = setup(registry);
    expect(selector.select('deploy now')?.tool.name).toBe('deploy');
    expect(selector.select('release please')?.tool.name).toBe('notify');
    expect(selector.select('reports please')?.tool.name).toBe('status');
  });

  it('breaks ties by name', () => {
    const registry = new ToolRegistry([fakeTool('beta', 'x', ['shared']), fakeTool('alpha', 'y', ['shared'])]);
    expect(setup(registry).selector.select('shared')?.tool.name).toBe('alpha');
  });

  it('answers nothing when no tool matches and no llm.complete is registered', () => {
    expect(setup(new ToolRegistry([echoTool])).selector.select('bonjour')).toBeUndefined();
  });

  it('caches by normalised input: a repeat in other case or spacing is a hit', async () => {
    const { selector, metrics } = setup();
    selector.select('Ping');
    expect(await count(metrics, 'selectorCacheMissesTotal')).toBe(1);
    expect(await count(metrics, 'selectorCacheHitsTotal')).toBe(0);
    selector.select('  ping ');
    selector.select('PING');
    expect(await count(metrics, 'selectorCacheHitsTotal')).toBe(2);
    selector.select('pong');
    expect(await count(metrics, 'selectorCacheMissesTotal')).toBe(2);
  });

  it('counts searches by platform of the chosen tool, and "none" when nothing matched', async () => {
    const { selector, promRegistry } = setup();
    selector.select('ping');
    selector.select('summarise it');
    selector.select('bonjour');
    const text = await promRegistry.metrics();
    expect(sample(text, 'selector_search_total', { platform: 'builtin' })).toBe(1);
    expect(sample(text, 'selector_search_total', { platform: 'llm' })).toBe(1);
    expect(sample(text, 'selector_search_total', { platform: 'none' })).toBe(1);
    expect(sample(text, 'selector_search_duration_seconds_count')).toBe(3);
  });

  it('sees tools registered after it was built', () => {
    const registry = new ToolRegistry([echoTool]);
    const { selector } = setup(registry);
    expect(selector.select('deploy')).toBeUndefined();
    registry.register(fakeTool('deploy', 'ships a release', []));
    expect(selector.select('deploy')?.tool.name).toBe('deploy');
  });
});

describe('POST /execute without a tool', () => {
  it('runs the selected tool: "ping" goes to echo, unmatched input to llm.complete', async () => {
    const service = await startService();
    try {
      const ping = await service.execute({ input: 'ping' });
      expect(ping.body).toMatchObject({ success: true, output: 'pong', tool: 'echo' });
      const other = await service.execute({ input: 'bonjour' });
      expect(other.status).toBe(503);
      expect(other.body).toMatchObject({ error: { code: 'UNAVAILABLE' }, tool: 'llm.complete' });
      const text = await service.scrape();
      expect(sample(text, 'selector_cache_misses_total')).toBe(2);
      await service.execute({ input: 'PING' });
      expect(sample(await service.scrape(), 'selector_cache_hits_total')).toBe(1);
    } finally {
      await service.close();
    }
  });
});
