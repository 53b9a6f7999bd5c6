// Vite bundles stylesheets imported for their side effect.
declare module '*.css';

/** True under `vite` (dev server with its /ai proxy), false in `vite build` output. */
declare const __DEV_PROXY__: boolean;
