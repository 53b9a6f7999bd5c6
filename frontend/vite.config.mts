import { defaultClientConditions, defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

/** In dev the gateway is another port; proxying /ai keeps the app same-origin, as it is behind Kong. */
const GATEWAY = process.env.OPSCONDUCTOR_GATEWAY_URL ?? 'http://127.0.0.1:3000';
const proxy = { '/ai': { target: GATEWAY, changeOrigin: false } };

export default defineConfig(({ command }) => ({
  plugins: [react()],
  // Workspace packages (@opsconductor/api-types) resolve to their TypeScript source, which Vite
  // compiles like the app's own; no build of theirs is needed first. Vite's defaults stay.
  resolve: { conditions: ['@opsconductor/source', ...defaultClientConditions] },
  // The dev server proxies /ai, so there the API is the page's own origin even on :3100.
  define: { __DEV_PROXY__: JSON.stringify(command === 'serve') },
  server: { port: 3100, strictPort: true, proxy },
  preview: { port: 3100, strictPort: true, proxy },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
}));
