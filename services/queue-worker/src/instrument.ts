import { packageVersion, startTracing } from '@opsconductor/kit/tracing';

startTracing({ serviceName: 'queue-worker', serviceVersion: packageVersion(__dirname) });
