/**
 * Names tools had before they were renamed to action names (`noun.verb`). Requests, jobs and
 * allowlists written with the old name keep working: /execute and /plan resolve it here, and
 * GET /tools lists only the new name. A metric label is always the new name.
 */
const LEGACY_TOOL_NAMES: Readonly<Record<string, string>> = { llm: 'llm.complete' };

/** The registered name a requested one stands for (itself unless it is a legacy name). */
export function canonicalToolName(name: string): string {
  return Object.hasOwn(LEGACY_TOOL_NAMES, name) ? LEGACY_TOOL_NAMES[name]! : name;
}
