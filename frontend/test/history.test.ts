import { HISTORY_LIMIT, HISTORY_STORAGE, addToHistory, loadHistory } from '../src/sandbox/history';
import type { HistoryEntry } from '../src/sandbox/history';

const entry = (n: number): HistoryEntry => ({ id: `id-${n}`, at: new Date(n * 1000).toISOString(), mode: 'sync', input: `input ${n}`, tool: 'echo', params: {}, outcome: 'success' });

describe('request history', () => {
  it('keeps the newest 20 entries, newest first, across a reload', () => {
    let list: HistoryEntry[] = [];
    for (let n = 1; n <= 25; n++) list = addToHistory(list, entry(n));
    expect(list).toHaveLength(HISTORY_LIMIT);
    expect(list[0]?.input).toBe('input 25');
    expect(list.at(-1)?.input).toBe('input 6');
    expect(loadHistory()).toEqual(list);
  });

  it('ignores stored entries that are not history entries', () => {
    localStorage.setItem(HISTORY_STORAGE, JSON.stringify([entry(1), { id: 2 }, 'junk']));
    expect(loadHistory()).toEqual([entry(1)]);
    localStorage.setItem(HISTORY_STORAGE, '{not json');
    expect(loadHistory()).toEqual([]);
  });
});
