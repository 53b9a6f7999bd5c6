import type { ApiError } from '../api/errors';
import type { ExecuteAnswer, JobView } from '../api/types';
import { ErrorView } from '../common/error-view';
import { JsonView } from '../common/json-view';
import { StatusBadge } from '../common/status-badge';
import { TraceIdFact } from '../common/trace-id';
import { JobLive, OutputView } from './job-live';

export type RunResult =
  | { kind: 'idle' }
  | { kind: 'running'; mode: 'sync' | 'job' }
  | { kind: 'success'; answer: ExecuteAnswer }
  | { kind: 'error'; error: ApiError }
  | { kind: 'cancelled' }
  | { kind: 'job'; job: JobView };

function formatMs(ms: number): string {
  return ms < 1000 ? `${ms.toFixed(ms < 10 ? 2 : 0)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/**
 * The answer of the last run. The one-line summary is a polite live region, so a screen reader
 * hears "Success" or the error code without the whole output being read out.
 */
export function ResultPanel({ result }: { result: RunResult }) {
  return (
    <section className="panel result" aria-labelledby="result-heading" aria-busy={result.kind === 'running'}>
      <h2 id="result-heading">Result</h2>
      {result.kind === 'job' ? <JobLive key={result.job.job_id} initial={result.job} /> : <Body result={result} />}
    </section>
  );
}

function Body({ result }: { result: Exclude<RunResult, { kind: 'job' }> }) {
  switch (result.kind) {
    case 'idle':
      return (
        <p role="status" className="summary muted">
          Run a request to see its answer here.
        </p>
      );
    case 'running':
      return (
        <p role="status" className="summary">
          <span className="spinner" aria-hidden="true" /> {result.mode === 'job' ? 'Submitting the job…' : 'Waiting for the answer…'}
        </p>
      );
    case 'cancelled':
      return (
        <p role="status" className="summary">
          <StatusBadge status="cancelled" label="Cancelled" />: the request was aborted before an answer arrived.
        </p>
      );
    case 'error':
      return (
        <>
          <p role="status" className="summary">
            <StatusBadge status="failed" label="Failed" />: {result.error.code}
          </p>
          <dl className="facts">
            {result.error.tool && (
              <>
                <dt>Tool</dt>
                <dd>{result.error.tool}</dd>
              </>
            )}
            {result.error.durationMs !== undefined && (
              <>
                <dt>Duration</dt>
                <dd>{formatMs(result.error.durationMs)}</dd>
              </>
            )}
          </dl>
          <ErrorView error={result.error} />
        </>
      );
    case 'success': {
      const { answer } = result;
      return (
        <>
          <p role="status" className="summary">
            <StatusBadge status="success" label="Success" />
          </p>
          <dl className="facts">
            <dt>Tool</dt>
            <dd>{answer.tool}</dd>
            <dt>Duration</dt>
            <dd>{formatMs(answer.duration_ms)}</dd>
            <TraceIdFact traceId={answer.trace_id} />
          </dl>
          <h3>Output</h3>
          <OutputView value={answer.output} />
          <details>
            <summary>Full response (JSON)</summary>
            <JsonView value={answer} label="Full response" />
          </details>
        </>
      );
    }
  }
}
