import { eraseCases } from './support/cases/erase-cases';
import { connectLocalRedis } from './support/redis';
import { describeStore } from './support/store-harness';

describeStore('job store on Redis', connectLocalRedis, eraseCases);
