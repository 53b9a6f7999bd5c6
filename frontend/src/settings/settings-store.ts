/** What the app needs to reach the API and link out; only the key is secret. */
export interface Settings {
  apiKey: string;
  /** '' = the page's own origin (the UI served through the gateway). */
  gatewayUrl: string;
  /** Jaeger UI base URL; '' = no trace links. */
  jaegerUrl: string;
  /** Grafana base URL; '' = no dashboard link. */
  grafanaUrl: string;
}

export const EMPTY_SETTINGS: Settings = { apiKey: '', gatewayUrl: '', jaegerUrl: '', grafanaUrl: '' };

/**
 * The key lives in sessionStorage only: gone when the tab closes, never shared with other tabs,
 * never written to localStorage, a URL or a log. The URLs are not secret and persist.
 */
export const API_KEY_STORAGE = 'opsconductor.apiKey';
export const LINKS_STORAGE = 'opsconductor.settings';

type Links = Omit<Settings, 'apiKey'>;

function readLinks(): Partial<Links> {
  try {
    const raw = globalThis.localStorage?.getItem(LINKS_STORAGE);
    if (!raw) return {};
    const parsed = JSON.parse(raw) as Record<string, unknown>;
    const links: Partial<Links> = {};
    for (const name of ['gatewayUrl', 'jaegerUrl', 'grafanaUrl'] as const) {
      if (typeof parsed[name] === 'string') links[name] = parsed[name];
    }
    return links;
  } catch {
    return {};
  }
}

/** Settings from storage over `defaults` (the build's defaults: empty unless configured). */
export function loadSettings(defaults: Partial<Settings> = {}): Settings {
  let apiKey = '';
  try {
    apiKey = globalThis.sessionStorage?.getItem(API_KEY_STORAGE) ?? '';
  } catch {
    // storage disabled: the key lives in memory for this page only
  }
  return { ...EMPTY_SETTINGS, ...defaults, ...readLinks(), apiKey };
}

export function saveSettings(settings: Settings): void {
  try {
    if (settings.apiKey === '') sessionStorage.removeItem(API_KEY_STORAGE);
    else sessionStorage.setItem(API_KEY_STORAGE, settings.apiKey);
    const links: Links = { gatewayUrl: settings.gatewayUrl, jaegerUrl: settings.jaegerUrl, grafanaUrl: settings.grafanaUrl };
    localStorage.setItem(LINKS_STORAGE, JSON.stringify(links));
  } catch {
    // storage disabled or full: the settings still hold for this page
  }
}

/** '' or an http(s) URL; returns the reason it is not. */
export function urlProblem(value: string): string | undefined {
  if (value.trim() === '') return undefined;
  try {
    const url = new URL(value.trim());
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must start with http:// or https://';
    if (url.search !== '' || url.hash !== '') return 'must not have a query or fragment';
    return undefined;
  } catch {
    return 'must be a full URL such as http://localhost:3000';
  }
}
