import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { ApiServer, envelope, json } from './support/api-server';
import { renderApp } from './support/render-app';
import { API_KEY_STORAGE, loadSettings } from '../src/settings/settings-store';
import { defaultSettings } from '../src/settings/defaults';

let server: ApiServer;
beforeAll(async () => {
  server = await ApiServer.start();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

const SECRET = 'oc_live_Zx9SettingsSecret';

describe('Settings', () => {
  it('keeps the API key in sessionStorage only and shows whose key it is', async () => {
    const user = userEvent.setup();
    server.on('GET', '/ai/whoami', (req, res) =>
      req.headers.authorization === `Bearer ${SECRET}`
        ? json(res, 200, { workspace_id: 'ws-7', actor_id: 'bob', scopes: ['actions:preview', 'admin'], key_id: 'key-42' })
        : json(res, 401, envelope('UNAUTHORIZED', 'invalid API key', 'trace-401')),
    );
    renderApp({ gateway: 'http://placeholder.invalid', key: '', hash: '#/settings' });
    expect(screen.getByRole('heading', { level: 1, name: 'Settings' })).toBeInTheDocument();

    await user.type(screen.getByLabelText('API key'), SECRET);
    const gateway = screen.getByRole('textbox', { name: 'Gateway URL' });
    await user.clear(gateway);
    await user.type(gateway, server.url);
    await user.type(screen.getByRole('textbox', { name: 'Jaeger URL' }), 'http://localhost:16686');
    await user.click(screen.getByRole('button', { name: 'Save settings' }));

    const identity = screen.getByRole('region', { name: 'This key' });
    await waitFor(() => expect(within(identity).getByText('bob')).toBeInTheDocument());
    expect(within(identity).getByText('ws-7')).toBeInTheDocument();
    expect(within(identity).getByText(/shown \(dead letters\)/)).toBeInTheDocument();
    expect(server.seen('GET', '/ai/whoami')[0]?.query.toString()).toBe('');

    expect(sessionStorage.getItem(API_KEY_STORAGE)).toBe(SECRET);
    for (let i = 0; i < localStorage.length; i++) expect(localStorage.getItem(localStorage.key(i) ?? '')).not.toContain(SECRET);
    expect(localStorage.getItem('opsconductor.settings')).toContain(server.url);
    expect(window.location.href).not.toContain(SECRET);

    await user.click(screen.getByRole('button', { name: 'Forget API key' }));
    expect(sessionStorage.getItem(API_KEY_STORAGE)).toBeNull();
    expect(within(identity).getByText('No key entered.')).toBeInTheDocument();
  });

  it('refuses a URL that is not http(s) and says which', async () => {
    const user = userEvent.setup();
    renderApp({ gateway: '', key: '', hash: '#/settings' });
    await user.type(screen.getByRole('textbox', { name: 'Grafana URL' }), 'javascript:alert(1)');
    await user.click(screen.getByRole('button', { name: 'Save settings' }));
    expect(screen.getByText('Grafana URL must start with http:// or https://')).toBeInTheDocument();
    expect(screen.getByRole('textbox', { name: 'Grafana URL' })).toHaveAttribute('aria-invalid', 'true');
    expect(localStorage.getItem('opsconductor.settings')).not.toContain('javascript:');
  });
});

describe('default gateway', () => {
  it('is the page origin through the gateway, and the gateway port beside the frontend port', () => {
    expect(defaultSettings({ protocol: 'http:', hostname: 'localhost', port: '3000' })).toEqual({});
    expect(defaultSettings({ protocol: 'https:', hostname: 'ops.example', port: '' })).toEqual({});
    expect(defaultSettings({ protocol: 'http:', hostname: '127.0.0.1', port: '3100' })).toEqual({ gatewayUrl: 'http://127.0.0.1:3000' });
  });

  it('gives way to what the user saved', () => {
    localStorage.setItem('opsconductor.settings', JSON.stringify({ gatewayUrl: '', jaegerUrl: '', grafanaUrl: '' }));
    expect(loadSettings({ gatewayUrl: 'http://127.0.0.1:3000' }).gatewayUrl).toBe('');
    localStorage.clear();
    expect(loadSettings({ gatewayUrl: 'http://127.0.0.1:3000' }).gatewayUrl).toBe('http://127.0.0.1:3000');
  });
});
