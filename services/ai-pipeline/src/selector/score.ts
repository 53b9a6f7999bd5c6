import type { Tool } from '../tools/registry';

/** Points per matching input word: naming a tool outweighs its keywords, which outweigh its description. */
export const WEIGHTS = { name: 10, keyword: 5, description: 1 } as const;

/** Description words too common to say anything about a tool. */
const STOPWORDS = new Set([
  'a', 'an', 'and', 'any', 'are', 'as', 'at', 'be', 'by', 'for', 'from', 'in', 'is', 'it', 'its', 'of', 'on', 'or', 'the',
  'this', 'that', 'to', 'with', 'input', 'back', 'answers', 'answer', 'other',
]);

/** Lower-case words of letters and digits; everything else separates words. */
export function tokenize(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

interface IndexedTool {
  tool: Tool;
  nameWords: string[];
  keywords: Set<string>;
  descriptionWords: Set<string>;
}

export interface Scored {
  tool: Tool;
  score: number;
}

/** Precomputed word sets of every tool, so scoring an input costs one pass over its words. */
export class ToolIndex {
  private readonly entries: IndexedTool[];

  constructor(tools: readonly Tool[]) {
    this.entries = tools.map((tool) => ({
      tool,
      nameWords: tokenize(tool.name),
      keywords: new Set(tool.keywords.flatMap(tokenize)),
      descriptionWords: new Set(tokenize(tool.description).filter((w) => w.length > 2 && !STOPWORDS.has(w))),
    }));
  }

  /**
   * The best-scoring tool for these words, or undefined when none scores. Each distinct word
   * counts once per tool, at its highest weight; ties go to the alphabetically first name.
   * With `allowed`, only those tools take part.
   */
  best(words: readonly string[], allowed?: ReadonlySet<string>): Scored | undefined {
    const distinct = new Set(words);
    let best: Scored | undefined;
    for (const entry of this.entries) {
      if (allowed && !allowed.has(entry.tool.name)) continue;
      const score = scoreEntry(entry, distinct);
      if (score === 0) continue;
      if (!best || score > best.score || (score === best.score && entry.tool.name < best.tool.name)) {
        best = { tool: entry.tool, score };
      }
    }
    return best;
  }
}

function scoreEntry(entry: IndexedTool, words: ReadonlySet<string>): number {
  let score = 0;
  // A tool's name counts when every word of it appears ("send_email" needs "send" and "email").
  const named = entry.nameWords.length > 0 && entry.nameWords.every((w) => words.has(w));
  if (named) score += WEIGHTS.name;
  for (const word of words) {
    if (named && entry.nameWords.includes(word)) continue;
    if (entry.keywords.has(word)) score += WEIGHTS.keyword;
    else if (entry.descriptionWords.has(word)) score += WEIGHTS.description;
  }
  return score;
}
