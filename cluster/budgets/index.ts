// Budgets of a node: the configuration (env or object), the `budget` service (worker part, main
// hub) and the hub's figures for /metrics and the ops view. The actors are in actors/budget/.
export { budgetLimits, budgetLimitsFromEnv, type BudgetConfigInput } from './budget-config.js';
export { BudgetHub, budgetHubOf, HUB_SESSION_LIMIT, HUB_WORLD_LIMIT, type GmQueueFigures, type SpendTotals, type WorldUse } from './budget-hub.js';
export { BUDGET_MAIN, BUDGET_WORKER, createBudgetHub, createBudgetService } from './budget-service.js';
