import { claimCases } from './support/cases/claim-cases';
import { connectLocalRedis } from './support/redis';
import { describeStore } from './support/store-harness';

describeStore('job store on Redis', connectLocalRedis, claimCases);
