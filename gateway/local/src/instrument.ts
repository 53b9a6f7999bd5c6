import { startTracing } from '@opsconductor/kit/tracing';

startTracing({ serviceName: 'gateway-local' });
