import { startTracing } from '@opsconductor/kit/tracing';

startTracing({ serviceName: 'queue-worker' });
