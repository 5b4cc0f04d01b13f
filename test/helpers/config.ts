import type { AppConfig } from '../../src/config/types.js';

export const TEST_ADMIN_KEY = 'cas_admin_test_key_0123456789abcdefghijklmnopqrstuv';

/** A complete configuration for tests: loopback, port 0, no accounts unless given. */
export function testConfig(overrides: Partial<AppConfig> & { dataDir: string }): AppConfig {
  const base: AppConfig = {
    configPath: '/dev/null',
    server: {
      host: '127.0.0.1',
      port: 0,
      local_or_wan: 'wan',
      admin_api_key: TEST_ADMIN_KEY,
      app_secret: 'test-app-secret-0123456789abcdefghijklmnopqrstuvwxyz',
      cors_origins: [],
      trust_proxy: false,
      metrics_allow: [],
    },
    chatgpt: {
      base_url: 'http://127.0.0.1:9/backend-api',
      auth_base_url: 'http://127.0.0.1:9',
      oauth_token_url: 'http://127.0.0.1:9/oauth/token',
      access_token_refresh_interval: 86400,
      user_agent: 'Mozilla/5.0 (test)',
    },
    accounts: [],
    models: [],
    limits: {
      body_limit_bytes: 1024 * 1024,
      request_timeout_ms: 30_000,
      upstream_first_byte_timeout_ms: 5_000,
      upstream_idle_timeout_ms: 5_000,
      upstream_connect_timeout_ms: 2_000,
      queue_timeout_ms: 5_000,
      queue_max: 100,
    },
    heapGrowingPercent: 0,
    sqliteCheckpoints: 'inline',
    sqliteCacheMb: 2,
    warnings: [],
    ...overrides,
  };
  return base;
}
