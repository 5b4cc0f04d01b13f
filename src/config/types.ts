/**
 * The parsed, validated and frozen configuration. Produced once by loadConfig() from
 * settings.json + environment + command-line flags; everything else receives it as a value.
 */
import type { UpstreamKind } from '../upstream/types.js';

export interface AccountConfig {
  /** Unique name: `name`, else the dict key, else generated (`account-1`, …). */
  name: string;
  kind: UpstreamKind;
  email?: string;
  password?: string;
  access_token?: string;
  session_token?: string;
  refresh_token?: string;
  api_key?: string;
  /** Overrides the kind's default base URL. */
  base_url?: string;
  plus: boolean;
  /** Resolved proxy URL (`"default"` already replaced by api_server.default_proxy); undefined = direct. */
  proxy?: string;
  /** Public model names an openai-kind account serves (chatgpt accounts list theirs upstream). */
  models?: string[];
  /** Turns this account may run at once (chatgpt default 1, openai default 16). */
  max_concurrency: number;
  /** Relative share in the round-robin (default 1). */
  weight: number;
  /** Kind-specific settings, validated by `accountOptionsSchemas` (never secret). */
  options?: Readonly<Record<string, unknown>>;
}

export interface ModelRoute {
  /** Public model name clients ask for (e.g. gpt-4o-mini). */
  name: string;
  /** Account kinds that can serve it. */
  kinds: UpstreamKind[];
  /** True when only plus users may use it. */
  plus: boolean;
  /** Upstream slug per kind when it differs from `name` (e.g. chatgpt: "auto"). */
  upstream?: Partial<Record<UpstreamKind, string>>;
}

export interface ServerConfig {
  host: string;
  port: number;
  default_proxy?: string;
  /** Public base URL used in links the server prints or renders. */
  wan_url?: string;
  /** "lan" refuses clients outside loopback and private ranges. */
  local_or_wan: 'wan' | 'lan';
  admin_api_key: string;
  app_secret: string;
  /** Origins allowed by CORS on the API (empty: CORS off). */
  cors_origins: string[];
  /** Trust X-Forwarded-* from a reverse proxy (for client IP and https detection). */
  trust_proxy: boolean;
  /** Client IPs/CIDRs that may read /metrics without the admin key (empty: admin key only). */
  metrics_allow: string[];
}

export interface ChatGptConfig {
  /** The original's `openai.base_url`: the ChatGPT web backend. */
  base_url: string;
  /** Base of the next-auth endpoints (/api/auth/session, /api/auth/csrf, …). */
  auth_base_url: string;
  /** OAuth token endpoint for refresh tokens. */
  oauth_token_url: string;
  /** The original's access_token_refresh_interval, in seconds. */
  access_token_refresh_interval: number;
  user_agent: string;
}

export interface LimitsConfig {
  /** Largest request body, in bytes. */
  body_limit_bytes: number;
  /** Total request timeout (slow clients), ms. */
  request_timeout_ms: number;
  upstream_first_byte_timeout_ms: number;
  upstream_idle_timeout_ms: number;
  upstream_connect_timeout_ms: number;
  /** How long a request may wait for a free account. */
  queue_timeout_ms: number;
  /** Requests waiting for an account at most. */
  queue_max: number;
  // Edge limits (docs/SECURITY.md). Optional here so hand-built configs stay valid; the loader
  // always fills them, and src/http/limits.ts resolveLimits() applies the same defaults.
  /** Largest request header block, bytes (node's maxHeaderSize; 431 beyond). */
  max_header_bytes?: number;
  /** Fields in one urlencoded form body. */
  max_form_fields?: number;
  /** Parameters in one query string. */
  max_query_params?: number;
  /** Nesting depth of a JSON body. */
  max_json_depth?: number;
  /** Failed authentications per client IP per minute before 429. */
  auth_failures_per_minute?: number;
  /** Upstream turns (streams) running at once across the server; 503 beyond. */
  max_concurrent_turns?: number;
  /** On SIGTERM, how long open streams may run before they are ended with an error event. */
  shutdown_grace_ms?: number;
}

export interface AppConfig {
  /** Absolute path of the settings.json that was read (or created). */
  configPath: string;
  server: ServerConfig;
  chatgpt: ChatGptConfig;
  accounts: AccountConfig[];
  models: ModelRoute[];
  limits: LimitsConfig;
  /** Directory for the SQLite database and other state (DATA_DIR, --data-dir; default ./data). */
  dataDir: string;
  /** postgres://… to use PostgreSQL instead of SQLite. */
  databaseUrl?: string;
  redisUrl?: string;
  /**
   * How far V8 lets the old generation grow past what survived the last full collection
   * (HEAP_GROWING_PERCENT; 0 leaves it to V8, which picks up to 300). `serve` applies it.
   */
  heapGrowingPercent: number;
  /**
   * SQLite only: 'background' moves WAL checkpoints to a worker thread, off the event loop
   * (SQLITE_CHECKPOINTS; default 'inline', SQLite's own). See src/store/checkpointer.ts.
   */
  sqliteCheckpoints: 'inline' | 'background';
  /** SQLite only: the page cache of the server's connection, in MB (SQLITE_CACHE_MB; default 2). */
  sqliteCacheMb: number;
  /** Demo mode: every answer comes from the upstream simulator, and pages and replies say so. */
  simulated?: boolean;
  /** Non-fatal remarks (e.g. the `instnaces` spelling), shown at start. */
  warnings: string[];
}
