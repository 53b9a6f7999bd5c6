import { detailLines, humanSentence } from '../api/errors';
import type { ApiError } from '../api/errors';
import { TraceId } from './trace-id';

/** A failed call as a person reads it: the code, a sentence, the API's message and details, the trace id. */
export function ErrorView({ error }: { error: ApiError }) {
  const lines = detailLines(error.details);
  return (
    <div className="error-view">
      <p>
        <code className="error-code">{error.code}</code> {humanSentence(error.code, error.retryAfter)}
      </p>
      {error.message !== '' && <p className="error-message">{error.message}</p>}
      {lines.length > 0 && (
        <ul aria-label="Error details">
          {lines.map((line, i) => (
            <li key={i}>{line}</li>
          ))}
        </ul>
      )}
      {error.traceId && (
        <p>
          <span className="label">Trace ID</span> <TraceId traceId={error.traceId} />
        </p>
      )}
    </div>
  );
}
