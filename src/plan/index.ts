// The planner's public surface: import from here.
export * from './types.js';
export { plan, summarize, isInSync } from './plan.js';
export { APPLY_ORDER, applyOrder, deleteOrder } from './order.js';
export { DEFAULT_MASS_DELETE_SHARE } from './prune.js';
export { SENSITIVE, maskLines, maskSecrets, maskValues, sensitivePrefixes } from './secrets.js';
export { formatPlanText, type TextOptions } from './format-text.js';
export {
  formatPlanJson,
  planToJson,
  type JsonPlan,
  type JsonChange,
  type JsonFile,
  type JsonPruneHeld,
} from './format-json.js';
