import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { PipelineMetrics } from '../metrics';
import type { Tool, ToolRegistry } from '../tools/registry';
import { ToolIndex, tokenize } from './score';

/** The tool used when no tool's name, keywords or description match the input. */
export const FALLBACK_TOOL = 'llm.complete';

export interface Selection {
  tool: Tool;
  /** False when nothing matched and the fallback was taken. */
  matched: boolean;
  score: number;
}

export interface SelectorOptions {
  registry: ToolRegistry;
  metrics: PipelineMetrics;
  /** Distinct inputs remembered (default 1000). */
  cacheSize?: number;
}

export interface Selector {
  /**
   * The tool for this input, or undefined when nothing matched and no fallback is registered.
   * With `allowed`, only those tools (and the fallback only if it is one of them) are chosen.
   */
  select(input: string, allowed?: ReadonlySet<string>): Selection | undefined;
}

/** Keys longer than this are hashed, so a cache of 100 kB inputs stays small. */
const MAX_PLAIN_KEY = 256;

/**
 * Picks a tool from free text by deterministic scoring (see score.ts), caching the choice per
 * normalised input: the same words in any case or spacing give the same tool.
 */
export function createSelector(opts: SelectorOptions): Selector {
  const cache = new LRUCache<string, { toolName: string | undefined; matched: boolean; score: number }>({ max: opts.cacheSize ?? 1000 });
  let index = new ToolIndex(opts.registry.all());
  let revision = opts.registry.revision;

  const choose = (words: string[], allowed: ReadonlySet<string> | undefined) => {
    if (revision !== opts.registry.revision) {
      index = new ToolIndex(opts.registry.all());
      revision = opts.registry.revision;
      cache.clear();
    }
    const best = index.best(words, allowed);
    if (best) return { toolName: best.tool.name, matched: true, score: best.score };
    const fallback = opts.registry.has(FALLBACK_TOOL) && (!allowed || allowed.has(FALLBACK_TOOL));
    return { toolName: fallback ? FALLBACK_TOOL : undefined, matched: false, score: 0 };
  };

  return {
    select(input, allowed) {
      const end = opts.metrics.selectorSearchDuration.startTimer();
      const words = tokenize(input);
      // The same words choose differently among other tools: the allowed set is part of the key.
      const normalised = allowed ? `${words.join(' ')}\n${[...allowed].sort().join(',')}` : words.join(' ');
      const key = normalised.length > MAX_PLAIN_KEY ? createHash('sha256').update(normalised).digest('base64url') : normalised;
      let choice = revision === opts.registry.revision ? cache.get(key) : undefined;
      if (choice) {
        opts.metrics.selectorCacheHitsTotal.inc();
      } else {
        opts.metrics.selectorCacheMissesTotal.inc();
        choice = choose(words, allowed);
        cache.set(key, choice);
      }
      const tool = choice.toolName === undefined ? undefined : opts.registry.get(choice.toolName);
      opts.metrics.selectorSearchTotal.inc({ platform: choice.matched && tool ? tool.platform : 'none' });
      end();
      return tool ? { tool, matched: choice.matched, score: choice.score } : undefined;
    },
  };
}
