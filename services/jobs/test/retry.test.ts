import { retryCases } from './support/cases/retry-cases';
import { connectLocalRedis } from './support/redis';
import { describeStore } from './support/store-harness';

describeStore('job store on Redis', connectLocalRedis, retryCases);
