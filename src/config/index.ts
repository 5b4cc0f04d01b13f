export type * from './types.js';
export type { ConfigIssue } from './errors.js';
export { ConfigError, formatConfigIssues } from './errors.js';
export type { ServeFlags } from './flags.js';
export { parseServeFlags } from './flags.js';
export type { LoadConfigInput, LoadedConfig } from './load.js';
export { loadConfig } from './load.js';
export { DEFAULT_LIMITS, DEFAULT_MODELS, DEFAULT_USER_AGENT } from './schema.js';
