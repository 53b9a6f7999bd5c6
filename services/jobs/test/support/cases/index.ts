import { cancelCases } from './cancel-cases';
import { claimCases } from './claim-cases';
import { enqueueCases } from './enqueue-cases';
import { eraseCases } from './erase-cases';
import { eventsCases } from './events-cases';
import { finishCases } from './finish-cases';
import { listCases } from './list-cases';
import { pruneCases } from './prune-cases';
import { retryCases } from './retry-cases';
import { statsCases } from './stats-cases';
import type { StoreCases } from '../store-harness';

/** Every store case group; run them all against another client with describeStore. */
export const ALL_STORE_CASES: StoreCases[] = [
  enqueueCases,
  claimCases,
  finishCases,
  cancelCases,
  retryCases,
  listCases,
  eventsCases,
  pruneCases,
  statsCases,
  eraseCases,
];

export { cancelCases, claimCases, enqueueCases, eraseCases, eventsCases, finishCases, listCases, pruneCases, retryCases, statsCases };
