import { pruneCases } from './support/cases/prune-cases';
import { statsCases } from './support/cases/stats-cases';
import { connectLocalRedis } from './support/redis';
import { describeStore } from './support/store-harness';

describeStore('job store on Redis', connectLocalRedis, [pruneCases, statsCases]);
