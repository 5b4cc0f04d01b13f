import type { Logger } from 'pino';
import type { AppConfig } from '../config/types.js';
import type { Store } from '../store/index.js';
import type { UserService } from '../users/service.js';
import type { Runtime } from '../runtime.js';
import type { RateLimitStore } from './rate-limit.js';
import type { SessionStore } from './session.js';

/** Everything the HTTP layer needs, built by the caller (server entry or a test). */
export interface AppDeps {
  config: AppConfig;
  store: Store;
  users: UserService;
  logger: Logger;
  runtime: Runtime;
  /** Shared rate-limit counters (Redis with several processes); in-memory when absent. */
  rateLimitStore?: RateLimitStore;
  /** Shared browser sessions (Redis with several processes); in-memory when absent. */
  sessionStore?: SessionStore;
}
