// Budgets and the human GM queue: the world's weekly ledger (`budget:<world>`), the queue
// (`gm-queue:all`), their pure arithmetic, and the limits the node's `budget` service gives them.
export { budget, budgetServiceOf, limitsOf, type BudgetState, type Reservation } from './budget-actor.js';
export { HOLD_TTL_MS, MAX_HOLDS, type BudgetHold, type BudgetHolds } from './budget-holds.js';
export { gmQueue, GM_QUEUE_ID, GM_WATCHERS_LIMIT, type GmQueueDelivery, type GmQueueEvent, type GmQueueState } from './gm-queue-actor.js';
export { GM_QUEUE_LIMIT, GM_QUEUE_REASONS, type GmQueueItem, type GmQueueReason } from './gm-queue.js';
export { addSpend, currentLedger, emptyLedger, levelOf, sessionSpentUsd, verdictOf, type BudgetLevel, type Spend, type TurnVerdict, type WeekLedger, type WorldStatus } from './budget-ledger.js';
export { isoWeekOf, isWeekKey, weekEndsAt } from './budget-week.js';
export {
  BUDGET_POLICIES,
  BUDGET_SERVICE,
  DEFAULT_WORLD,
  MAX_WORLD_ENTRIES,
  NO_BUDGET_LIMITS,
  WORLD_PATTERN,
  limitsOfWorld,
  type BudgetLimits,
  type BudgetPolicy,
  type BudgetReport,
  type BudgetService,
  type WorldLimits,
} from './budget-limits.js';
