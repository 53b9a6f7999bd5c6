/** Loaded with `node --require ./dist/instrument.js` so tracing patches http before anything else loads it. */
import { packageVersion, startTracing } from '@opsconductor/kit/tracing';

startTracing({ serviceName: 'ai-pipeline', serviceVersion: packageVersion(__dirname) });
