import type { HistoryEntry } from './history';

function summary(entry: HistoryEntry): string {
  const input = entry.input.length > 40 ? `${entry.input.slice(0, 40)}…` : entry.input;
  return `${input} (${entry.tool || 'auto'}${entry.mode === 'job' ? ', job' : ''})`;
}

/** The last requests, newest first; each can be run again with one click. */
export function HistoryList({ entries, onRerun, onClear, disabled }: { entries: HistoryEntry[]; onRerun(entry: HistoryEntry): void; onClear(): void; disabled: boolean }) {
  return (
    <section className="panel" aria-labelledby="history-heading">
      <h2 id="history-heading">History</h2>
      {entries.length === 0 ? (
        <p className="muted">No requests yet. The last 20 are kept in this browser (never the API key).</p>
      ) : (
        <>
          <ol className="history" aria-label="Recent requests">
            {entries.map((entry) => (
              <li key={entry.id}>
                <span className="history-text">
                  <span className="history-input">{summary(entry)}</span>
                  <span className="muted">
                    {' '}
                    {entry.outcome} · <time dateTime={entry.at}>{new Date(entry.at).toLocaleTimeString()}</time>
                  </span>
                </span>
                <button type="button" className="button-small" disabled={disabled} aria-label={`Re-run ${summary(entry)}`} onClick={() => onRerun(entry)}>
                  Re-run
                </button>
              </li>
            ))}
          </ol>
          <button type="button" className="button-secondary" onClick={onClear}>
            Clear history
          </button>
        </>
      )}
    </section>
  );
}
