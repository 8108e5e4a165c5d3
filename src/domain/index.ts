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
export { allocate, DAY_MS, isSettledKeeper } from './allocate.ts';
export { AllocationOrderError, beginAllocation, type AllocationEnd, type AllocationSettings, type AllocationStep, type SeatAllocation } from './allocator.ts';
export { compareQueue, compareWaitingTogether, newcomerClass, ordersAsBytes, queueKeyer, queueKeyOf, type QueuedAccount, type QueuePlace } from './queue-order.ts';
export { neededPoolNames } from './pool-table.ts';
export { isProtected, type ProtectionFlags } from './protection.ts';
export { applyChanges, seatStateOf } from './seat-state.ts';
export { CHANGE_KINDS, changeKindOf, isChangeKind, noChangesByKind, type ChangeKind } from './change-kinds.ts';
export { ordinal, rankWaiting, standingOf, type AwaitedPool, type PoolFill, type QueueCounts, type QueueStanding, type WaitingAccount } from './waiting-queue.ts';
export { auditLine, describeRule, explainAccount, type AccountFacts, type AuditLine, type BlockEntry, type ExplainableProfile, type ExplainedProfile, type Explanation } from './explain.ts';
