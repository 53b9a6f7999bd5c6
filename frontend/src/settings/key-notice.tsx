import { humanSentence } from '../api/errors';
import { useSession } from './session';

/** Tells a person without a working key where to put one. */
export function KeyNotice() {
  const { settings, identity } = useSession();
  if (settings.apiKey === '') {
    return (
      <p className="notice">
        No API key yet: enter one in <a href="#/settings">Settings</a>.
      </p>
    );
  }
  if (identity.state === 'error' && identity.error.code === 'UNAUTHORIZED') {
    return (
      <p className="notice">
        {humanSentence('UNAUTHORIZED')} <a href="#/settings">Open Settings</a>
      </p>
    );
  }
  return null;
}
