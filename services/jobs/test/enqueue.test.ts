import { enqueueCases } from './support/cases/enqueue-cases';
import { connectLocalRedis } from './support/redis';
import { describeStore } from './support/store-harness';

describeStore('job store on Redis', connectLocalRedis, enqueueCases);
