/** Prometheus metrics: definitions, cheap recorders, and adapters for the account pool. */
export { createMetrics } from './metrics.js';
export type {
  AccountTransition,
  Metrics,
  MetricsOptions,
  RouteMetrics,
  TurnObservation,
  TurnOutcomeLabel,
} from './metrics.js';
export { countingPoolLogger, instrumentPool } from './pool.js';
export { createAllowList, parseAllowEntry } from './allow-list.js';
