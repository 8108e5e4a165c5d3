// Public edge of the domain: vocabulary, profile matching and the seat allocation. Pure, no I/O.
export type * from './types.ts';
export { ACCOUNT_STATES } from './types.ts';
export { normalizeDn, normalizeGroupKey } from './names.ts';
export {
  collectAttributes,
  collectGroupsOfInterest,
  dnHasSuffix,
  type MatchableProfile,
  matchProfile,
  matchRule,
} from './profiles.ts';
export { allocate, allocateAroundSettled, DAY_MS, isSettledKeeper } from './allocate.ts';
export { neededPoolNames } from './pool-table.ts';
export { applyChanges, seatStateOf } from './seat-state.ts';
export { compareQueue, type QueuePlace } from './queue-order.ts';
export { ordinal, rankWaiting, type AwaitedPool, type PoolFill, type QueueStanding, type WaitingAccount } from './waiting-queue.ts';
export { describeRule, explainAccount, type AccountFacts, type ExplainableProfile, type ExplainedProfile, type Explanation } from './explain.ts';
