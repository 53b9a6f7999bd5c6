import { useSession } from '../settings/session';
import { CopyButton } from './copy-button';
import { jaegerTraceUrl } from './trace-link';

/** A trace id with a copy button and, when Jaeger is configured, a link to the trace. */
export function TraceId({ traceId }: { traceId: string }) {
  const { settings } = useSession();
  const href = jaegerTraceUrl(settings.jaegerUrl, traceId);
  return (
    <span className="trace-id">
      <code>{traceId}</code>
      <CopyButton text={traceId} label="Copy trace ID" />
      {href && (
        <a href={href} target="_blank" rel="noreferrer noopener">
          Open trace in Jaeger<span className="visually-hidden"> (opens in a new tab)</span>
        </a>
      )}
    </span>
  );
}

/** The Trace ID term and value of a `<dl className="facts">`, or nothing when there is no trace. */
export function TraceIdFact({ traceId }: { traceId: string | null }) {
  if (!traceId) return null;
  return (
    <>
      <dt>Trace ID</dt>
      <dd>
        <TraceId traceId={traceId} />
      </dd>
    </>
  );
}
