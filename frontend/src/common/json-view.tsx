import { useMemo } from 'react';
import hljs from 'highlight.js/lib/core';
import json from 'highlight.js/lib/languages/json';

// Only the JSON grammar: the full highlight.js bundle is ~10× larger.
hljs.registerLanguage('json', json);

/** Pretty JSON with syntax highlighting; highlight.js escapes the text before marking it up. */
export function JsonView({ value, label }: { value: unknown; label: string }) {
  const html = useMemo(() => {
    const text = JSON.stringify(value, null, 2) ?? 'undefined';
    return hljs.highlight(text, { language: 'json', ignoreIllegals: true }).value;
  }, [value]);
  return (
    // Focusable so a keyboard can scroll a long answer; named for screen readers.
    <pre className="json" tabIndex={0} aria-label={label}>
      <code className="hljs language-json" dangerouslySetInnerHTML={{ __html: html }} />
    </pre>
  );
}
