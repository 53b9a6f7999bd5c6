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
