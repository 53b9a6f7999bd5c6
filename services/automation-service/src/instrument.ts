/**
 * Loaded with `node --require ./dist/instrument.js` before main, so http and undici are
 * instrumented before first use. It imports nothing of the service itself for that reason
 * (hence the name is spelled here, the same as app.ts's SERVICE_NAME).
 */
import { packageVersion, startTracing } from '@opsconductor/kit/tracing';

startTracing({ serviceName: 'automation-service', serviceVersion: packageVersion(__dirname) });
