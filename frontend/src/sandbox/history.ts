/** One request as the sandbox remembers it. Never the key: history lives in localStorage. */
export interface HistoryEntry {
  id: string;
  at: string;
  mode: 'sync' | 'job';
  input: string;
  tool: string;
  params: Record<string, unknown>;
  /** success, the error code, `job`, or CANCELLED. */
  outcome: string;
  traceId?: string;
}

export const HISTORY_STORAGE = 'opsconductor.history';
export const HISTORY_LIMIT = 20;

function isEntry(value: unknown): value is HistoryEntry {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.id === 'string' && typeof v.input === 'string' && typeof v.tool === 'string' && (v.mode === 'sync' || v.mode === 'job') && typeof v.params === 'object' && v.params !== null;
}

export function loadHistory(): HistoryEntry[] {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(HISTORY_STORAGE) ?? '[]');
    return Array.isArray(parsed) ? parsed.filter(isEntry).slice(0, HISTORY_LIMIT) : [];
  } catch {
    return [];
  }
}

/** Newest first, at most HISTORY_LIMIT entries; returns the list it stored. */
export function addToHistory(entries: HistoryEntry[], entry: HistoryEntry): HistoryEntry[] {
  const next = [entry, ...entries].slice(0, HISTORY_LIMIT);
  try {
    localStorage.setItem(HISTORY_STORAGE, JSON.stringify(next));
  } catch {
    // storage full or disabled: the list still holds for this page
  }
  return next;
}

export function clearHistory(): void {
  try {
    localStorage.removeItem(HISTORY_STORAGE);
  } catch {
    // nothing to clear
  }
}
