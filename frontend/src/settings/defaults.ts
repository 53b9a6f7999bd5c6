import type { Settings } from './settings-store';

/** DESIGN.md's ports: the frontend's own server, and the gateway beside it. */
export const FRONTEND_PORT = '3100';
export const GATEWAY_PORT = '3000';

/**
 * Settings before the user saves any. Through the gateway (`:3000/`) the API is the page's own
 * origin. On the frontend's own port (`:3100`, its static server, which does not proxy `/ai`)
 * the gateway is the same host on :3000, called cross-origin (kong.yml's cors allows :3100).
 */
export function defaultSettings(location: Pick<Location, 'protocol' | 'hostname' | 'port'>): Partial<Settings> {
  if (location.port === FRONTEND_PORT) return { gatewayUrl: `${location.protocol}//${location.hostname}:${GATEWAY_PORT}` };
  return {};
}
