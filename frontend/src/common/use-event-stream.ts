import { useEffect, useEffectEvent, useState } from 'react';
import { openEventStream } from '../api/event-stream';
import type { StreamState } from '../api/event-stream';
import { useSession } from '../settings/session';

/**
 * Subscribes to one SSE path of the API for as long as the component is mounted (and the
 * path, gateway and key stay the same). `onEvent` may change every render without reopening
 * the stream. Returns the connection's state.
 */
export function useEventStream(path: string | undefined, types: readonly string[], onEvent: (type: string, data: unknown, id: string) => void): StreamState | 'off' {
  const { client, settings } = useSession();
  const [state, setState] = useState<{ key: string; state: StreamState }>();
  const handle = useEffectEvent(onEvent);
  const key = path === undefined || settings.apiKey === '' ? undefined : `${client.url(path)}`;

  useEffect(() => {
    if (key === undefined) return;
    const stream = openEventStream({
      url: key,
      apiKey: settings.apiKey,
      types,
      onEvent: (type, data, id) => handle(type, data, id),
      onState: (s) => setState({ key, state: s }),
    });
    return () => stream.close();
  }, [key, settings.apiKey, types]);

  if (key === undefined) return 'off';
  return state?.key === key ? state.state : 'connecting';
}

export function streamLabel(state: StreamState | 'off'): string {
  switch (state) {
    case 'open':
      return 'Live';
    case 'connecting':
      return 'Connecting…';
    case 'ended':
      return 'Finished';
    case 'failed':
      return 'Live updates stopped';
    case 'off':
      return 'Off';
  }
}
