import { cancelCases } from './support/cases/cancel-cases';
import { connectLocalRedis } from './support/redis';
import { describeStore } from './support/store-harness';

describeStore('job store on Redis', connectLocalRedis, cancelCases);
