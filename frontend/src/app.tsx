import { useEffect, useRef } from 'react';
import { JobsView } from './jobs/jobs-view';
import { parseRoute, useHash } from './route';
import type { View } from './route';
import { SandboxView } from './sandbox/sandbox-view';
import { SessionProvider, useSession } from './settings/session';
import type { Settings } from './settings/settings-store';
import { SettingsView } from './settings/settings-view';

const TABS: { view: View; label: string }[] = [
  { view: 'sandbox', label: 'Sandbox' },
  { view: 'jobs', label: 'Jobs' },
  { view: 'settings', label: 'Settings' },
];

function Shell() {
  const route = parseRoute(useHash());
  const { settings, identity } = useSession();
  const first = useRef(true);

  // After a change of view, move focus to its heading so screen readers announce the new page.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    document.getElementById('view-heading')?.focus();
  }, [route.view]);

  return (
    <>
      <a className="skip-link" href="#main" onClick={(e) => {
        e.preventDefault();
        document.getElementById('main')?.focus();
      }}>
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">OpsConductor</span>
        <nav aria-label="Main">
          <ul>
            {TABS.map((tab) => (
              <li key={tab.view}>
                <a href={`#/${tab.view}`} aria-current={route.view === tab.view ? 'page' : undefined}>
                  {tab.label}
                </a>
              </li>
            ))}
            {settings.grafanaUrl && (
              <li>
                <a href={settings.grafanaUrl} target="_blank" rel="noreferrer noopener">
                  Grafana<span className="visually-hidden"> (opens in a new tab)</span>
                </a>
              </li>
            )}
          </ul>
        </nav>
        <span className="whoami">{identity.state === 'known' ? `${identity.me.actor_id} @ ${identity.me.workspace_id}` : settings.apiKey === '' ? 'no key' : ''}</span>
      </header>
      <main id="main" tabIndex={-1}>
        {route.view === 'sandbox' && <SandboxView />}
        {route.view === 'jobs' && <JobsView selectedId={route.jobId} />}
        {route.view === 'settings' && <SettingsView />}
      </main>
    </>
  );
}

export interface AppProps {
  /** Settings a build or embedder provides under what the user saved. */
  defaults?: Partial<Settings>;
  fetch?: typeof fetch;
}

export function App({ defaults, fetch }: AppProps) {
  return (
    <SessionProvider defaults={defaults} fetch={fetch}>
      <Shell />
    </SessionProvider>
  );
}
