/**
 * Loaded with `node --require ./dist/instrument.js` before main, so http and undici are
 * instrumented before first use. main.ts reads `tracing.started`: while spans are recorded,
 * kong.yml must enable the opentelemetry plugin (see plugins/opentelemetry.ts).
 */
import { packageVersion, startTracing } from '@opsconductor/kit/tracing';

export const tracing = startTracing({ serviceName: 'gateway-local', serviceVersion: packageVersion(__dirname) });
