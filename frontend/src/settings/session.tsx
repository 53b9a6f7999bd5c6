import { createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import type { ReactNode } from 'react';
import { ApiClient } from '../api/client';
import type { ApiError } from '../api/errors';
import type { Me } from '../api/types';
import { loadSettings, saveSettings } from './settings-store';
import type { Settings } from './settings-store';

/** Whose key this is, as GET /ai/whoami says; `error` when it could not be read. */
export type Identity = { state: 'none' } | { state: 'loading' } | { state: 'known'; me: Me } | { state: 'error'; error: ApiError };

export interface Session {
  settings: Settings;
  update(next: Settings): void;
  client: ApiClient;
  identity: Identity;
  isAdmin: boolean;
}

const SessionContext = createContext<Session | undefined>(undefined);

export interface SessionProviderProps {
  children: ReactNode;
  /** Build-time defaults under what the user saved. */
  defaults?: Partial<Settings>;
  fetch?: typeof fetch;
}

export function SessionProvider({ children, defaults, fetch }: SessionProviderProps) {
  const [settings, setSettings] = useState<Settings>(() => loadSettings(defaults));
  const client = useMemo(() => new ApiClient({ baseUrl: settings.gatewayUrl, apiKey: settings.apiKey, fetch }), [settings.gatewayUrl, settings.apiKey, fetch]);
  const [identity, setIdentity] = useState<{ client: ApiClient; value: Identity } | undefined>(undefined);

  useEffect(() => {
    if (settings.apiKey === '') return;
    const abort = new AbortController();
    client
      .me({ signal: abort.signal })
      .then((me) => setIdentity({ client, value: { state: 'known', me } }))
      .catch((error: ApiError) => {
        if (!abort.signal.aborted) setIdentity({ client, value: { state: 'error', error } });
      });
    return () => abort.abort();
  }, [client, settings.apiKey]);

  const update = useCallback((next: Settings) => {
    saveSettings(next);
    setSettings(next);
  }, []);

  // An identity read with another key or gateway is stale: show loading until the new answer.
  const current = useMemo<Identity>(
    () => (settings.apiKey === '' ? { state: 'none' } : identity?.client === client ? identity.value : { state: 'loading' }),
    [settings.apiKey, identity, client],
  );
  const isAdmin = current.state === 'known' && current.me.scopes.includes('admin');
  const value = useMemo(() => ({ settings, update, client, identity: current, isAdmin }), [settings, update, client, current, isAdmin]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession needs a <SessionProvider>');
  return session;
}
