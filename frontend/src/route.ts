import { useSyncExternalStore } from 'react';

export type View = 'sandbox' | 'jobs' | 'settings';

export interface Route {
  view: View;
  /** `#/jobs/<id>`: the job whose detail is open. */
  jobId?: string;
}

/**
 * Hash routes (#/sandbox, #/jobs, #/jobs/<id>, #/settings): any static server can serve the
 * app at any path without rewrites, and nothing secret ever goes into them.
 */
export function parseRoute(hash: string): Route {
  const [view, id] = hash.replace(/^#\/?/, '').split('/');
  if (view === 'jobs') return id ? { view: 'jobs', jobId: decodeURIComponent(id) } : { view: 'jobs' };
  if (view === 'settings') return { view: 'settings' };
  return { view: 'sandbox' };
}

/** The route of one job's detail: the inverse of parseRoute for `#/jobs/<id>`. */
export function jobHref(jobId: string): string {
  return `#/jobs/${encodeURIComponent(jobId)}`;
}

const subscribe = (onChange: () => void) => {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
};

export function useHash(): string {
  return useSyncExternalStore(subscribe, () => window.location.hash);
}
