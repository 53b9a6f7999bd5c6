import { Redis } from 'ioredis';
import { listCases } from './support/cases/list-cases';
import { eventsCases } from './support/cases/events-cases';
import { connectLocalRedis, REDIS_URL } from './support/redis';
import { describeStore } from './support/store-harness';

describeStore('job store on Redis', connectLocalRedis, [listCases, eventsCases]);
// Replies differ between RESP3 (ioredis 6 default) and RESP2; listing and events parse both.
describeStore('job store on Redis over RESP2', () => new Redis(REDIS_URL, { protocol: 2 }), [listCases, eventsCases]);
