import { useState } from 'react';
import type { FormEvent } from 'react';
import { humanSentence } from '../api/errors';
import { useSession } from './session';
import { urlProblem } from './settings-store';
import type { Settings } from './settings-store';

const URL_FIELDS = [
  { name: 'gatewayUrl', label: 'Gateway URL', hint: 'Leave empty when this page is served by the gateway (same origin). Otherwise e.g. http://localhost:3000.' },
  { name: 'jaegerUrl', label: 'Jaeger URL', hint: 'Trace ids link here, e.g. http://localhost:16686. Empty: no trace links.' },
  { name: 'grafanaUrl', label: 'Grafana URL', hint: 'Dashboards link, e.g. http://localhost:3200. Empty: no link.' },
] as const;

/** Key, gateway and links. The key is kept in sessionStorage only (settings-store.ts). */
export function SettingsView() {
  const { settings, update, identity } = useSession();
  const [draft, setDraft] = useState<Settings>(settings);
  const [showKey, setShowKey] = useState(false);
  const [problems, setProblems] = useState<Partial<Record<keyof Settings, string>>>({});
  const [notice, setNotice] = useState('');

  const save = (e: FormEvent) => {
    e.preventDefault();
    const found: Partial<Record<keyof Settings, string>> = {};
    for (const f of URL_FIELDS) {
      const problem = urlProblem(draft[f.name]);
      if (problem) found[f.name] = `${f.label} ${problem}`;
    }
    setProblems(found);
    if (Object.keys(found).length > 0) {
      setNotice('');
      return;
    }
    const next = { ...draft, apiKey: draft.apiKey.trim(), gatewayUrl: draft.gatewayUrl.trim(), jaegerUrl: draft.jaegerUrl.trim(), grafanaUrl: draft.grafanaUrl.trim() };
    setDraft(next);
    update(next);
    setNotice('Settings saved.');
  };

  const forgetKey = () => {
    const next = { ...settings, apiKey: '' };
    setDraft((d) => ({ ...d, apiKey: '' }));
    update(next);
    setNotice('API key forgotten.');
  };

  return (
    <div className="view settings">
      <h1 id="view-heading" tabIndex={-1}>
        Settings
      </h1>
      <form className="panel" aria-labelledby="settings-form-heading" onSubmit={save} noValidate>
        <h2 id="settings-form-heading">Connection</h2>
        <div className="field">
          <label htmlFor="api-key">API key</label>
          <input
            id="api-key"
            type={showKey ? 'text' : 'password'}
            autoComplete="off"
            spellCheck={false}
            value={draft.apiKey}
            aria-describedby="api-key-hint"
            onChange={(e) => setDraft({ ...draft, apiKey: e.target.value })}
          />
          <p className="hint" id="api-key-hint">
            Kept in this tab&apos;s session storage only: never in the URL, local storage, the history or logs. Closing the tab forgets it.
          </p>
          <label className="field-check">
            <input type="checkbox" checked={showKey} onChange={(e) => setShowKey(e.target.checked)} /> Show key
          </label>
        </div>
        {URL_FIELDS.map((f) => (
          <div className="field" key={f.name}>
            <label htmlFor={f.name}>{f.label}</label>
            <input
              id={f.name}
              type="url"
              inputMode="url"
              autoComplete="url"
              value={draft[f.name]}
              aria-invalid={problems[f.name] ? true : undefined}
              aria-describedby={problems[f.name] ? `${f.name}-hint ${f.name}-error` : `${f.name}-hint`}
              onChange={(e) => setDraft({ ...draft, [f.name]: e.target.value })}
            />
            <p className="hint" id={`${f.name}-hint`}>
              {f.hint}
            </p>
            {problems[f.name] && (
              <p className="field-error" id={`${f.name}-error`}>
                {problems[f.name]}
              </p>
            )}
          </div>
        ))}
        <div className="actions">
          <button type="submit" className="button-primary">
            Save settings
          </button>
          <button type="button" className="button-secondary" disabled={settings.apiKey === ''} onClick={forgetKey}>
            Forget API key
          </button>
        </div>
        <p role="status">{notice}</p>
      </form>
      <section className="panel" aria-labelledby="identity-heading">
        <h2 id="identity-heading">This key</h2>
        <div role="status">
          {identity.state === 'none' && <p className="muted">No key entered.</p>}
          {identity.state === 'loading' && <p className="muted">Checking the key…</p>}
          {identity.state === 'error' && (
            <p>
              <code className="error-code">{identity.error.code}</code> {humanSentence(identity.error.code)}
            </p>
          )}
          {identity.state === 'known' && (
            <dl className="facts">
              <dt>Actor</dt>
              <dd>{identity.me.actor_id}</dd>
              <dt>Workspace</dt>
              <dd>{identity.me.workspace_id}</dd>
              <dt>Scopes</dt>
              <dd>{identity.me.scopes.join(', ') || 'none'}</dd>
              {identity.me.key_id && (
                <>
                  <dt>Key ID</dt>
                  <dd>
                    <code>{identity.me.key_id}</code>
                  </dd>
                </>
              )}
              <dt>Admin features</dt>
              <dd>{identity.me.scopes.includes('admin') ? 'shown (dead letters)' : 'hidden: the key has no admin scope'}</dd>
            </dl>
          )}
        </div>
      </section>
    </div>
  );
}
