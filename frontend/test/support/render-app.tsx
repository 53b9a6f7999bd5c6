import { render } from '@testing-library/react';
import type { RenderResult } from '@testing-library/react';
import { App } from '../../src/app';
import { API_KEY_STORAGE, LINKS_STORAGE } from '../../src/settings/settings-store';
import type { JobView } from '../../src/api/types';
import recordedJob from '../fixtures/job.json';

export const KEY = 'oc_live_TestKey0123456789secret';

/** The app as a person finds it after entering `key` and the gateway in Settings, at `hash`. */
export function renderApp(opts: { gateway: string; key?: string; jaegerUrl?: string; hash?: string }): RenderResult {
  if (opts.key !== '') sessionStorage.setItem(API_KEY_STORAGE, opts.key ?? KEY);
  localStorage.setItem(LINKS_STORAGE, JSON.stringify({ gatewayUrl: opts.gateway, jaegerUrl: opts.jaegerUrl ?? '', grafanaUrl: '' }));
  if (opts.hash) window.location.hash = opts.hash;
  return render(<App />);
}

/** A job view as GET /ai/jobs/:id answers, with some fields changed. */
export function job(overrides: Partial<JobView> = {}): JobView {
  return { ...(recordedJob as JobView), ...overrides };
}

/** A UUID v7-shaped job id ending in `n`. */
export function jobId(n: number): string {
  return `0190a1b2-c3d4-7e5f-8a9b-${n.toString(16).padStart(12, '0')}`;
}
