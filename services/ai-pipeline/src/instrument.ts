/** Loaded with `node --require ./dist/instrument.js` so tracing patches http before anything else loads it. */
import { startTracing } from '@opsconductor/kit/tracing';

startTracing({ serviceName: 'ai-pipeline' });
