import { CopyButton } from '../common/copy-button';

/** The request as a curl command, the key replaced by a shell variable. */
export function CurlPanel({ command }: { command: string }) {
  return (
    <section className="panel" aria-labelledby="curl-heading">
      <h2 id="curl-heading">curl</h2>
      <p className="hint">
        Set <code>OPSCONDUCTOR_API_KEY</code> in your shell first; the key is never shown here.
      </p>
      <pre className="curl" tabIndex={0} aria-label="curl command">
        {command}
      </pre>
      <CopyButton text={command} label="Copy curl command" />
    </section>
  );
}
