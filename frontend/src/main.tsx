import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app';
import { defaultSettings } from './settings/defaults';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <App defaults={__DEV_PROXY__ ? {} : defaultSettings(window.location)} />
  </StrictMode>,
);
