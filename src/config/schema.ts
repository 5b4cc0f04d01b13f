/**
 * settings.json — every key, its default, and where it comes from.
 *
 * The original's keys (kept with the same names and meaning):
 *   openai.instances            list of accounts, or an object of named accounts (the key is the
 *                               name unless `name` is set). The README's misspelling
 *                               `openai.instnaces` is read too, with a warning.
 *   openai.base_url             ChatGPT web backend.        default https://chatgpt.com/backend-api
 *   openai.access_token_refresh_interval  seconds an obtained access token is reused. default 86400
 *   api_server.host             listen address (env API_HOST, flag --host).       default 127.0.0.1
 *   api_server.port             listen port 0..65535 (env API_PORT, flag --port). default 5000
 *   api_server.default_proxy    proxy for instances with `"proxy": "default"`, for callers' own
 *                               access tokens and for token retrieval.            default none
 *   api_server.wan_url          public http(s) URL used in links.                 default none
 *   api_server.local_or_wan     "wan" | "lan" ("lan": only loopback/private clients). default "wan"
 *   api_server.admin_api_key    generated on first start (cas_admin_…) and written back.
 *   api_server.app_secret       generated on first start and written back (signs cookies).
 *   api_server.default_user_agent  read as openai.user_agent when that is not set.
 *
 * Per instance: name, kind ("chatgpt" | "openai", default "chatgpt"), email, password,
 *   access_token, session_token, refresh_token, api_key, base_url, plus (true/false, default
 *   false; "true"/"false" strings accepted), proxy (URL, or "default" = api_server.default_proxy;
 *   absent or "" = direct), models (list of public model names), max_concurrency (default 1 for
 *   chatgpt, 16 for openai), weight (default 1), options (per kind, see accountOptionsSchemas). A chatgpt instance needs access_token,
 *   session_token, refresh_token or email+password; an openai instance needs api_key unless its
 *   base_url is on localhost or a private network (e.g. Ollama). An instance whose credential
 *   keys are all present but empty (the original's template) is skipped with a warning.
 *   Proxy URLs: socks5://, socks5h://, http:// or https://, optional user:password@, port required.
 *
 * Our additions:
 *   openai.auth_base_url        next-auth endpoints base.   default https://chatgpt.com
 *   openai.oauth_token_url      refresh-token endpoint.     default https://auth.openai.com/oauth/token
 *   openai.user_agent           browser User-Agent sent upstream. default: a desktop Chrome UA
 *   api_server.cors_origins     origins allowed by CORS, e.g. ["https://app.example"]. default []
 *   api_server.trust_proxy      trust X-Forwarded-* from a reverse proxy.   default false
 *   api_server.metrics_allow    IPs/CIDRs that may read /metrics without the admin key. default []
 *   models                      public model routes [{ name, kinds: ["chatgpt","openai"], plus,
 *                               upstream: { chatgpt: "slug", openai: "slug" } }]; replaces the
 *                               default list (auto, gpt-4o-mini, gpt-4o, gpt-5, o3,
 *                               text-davinci-002-render-sha) when set.
 *   limits.body_limit_bytes (1048576), limits.request_timeout_ms (120000),
 *   limits.upstream_first_byte_timeout_ms (60000), limits.upstream_idle_timeout_ms (60000),
 *   limits.upstream_connect_timeout_ms (10000), limits.queue_timeout_ms (30000),
 *   limits.queue_max (1000), limits.max_header_bytes (16384), limits.max_form_fields (1000),
 *   limits.max_query_params (256), limits.max_json_depth (64), limits.auth_failures_per_minute (20),
 *   limits.max_concurrent_turns (512), limits.shutdown_grace_ms (10000).
 *
 * Environment: API_HOST, API_PORT, DATA_DIR (default ./data), DATABASE_URL (postgres:// or
 * postgresql://; default: SQLite in DATA_DIR), REDIS_URL (redis:// or rediss://).
 * Flags (override env): --config <file> (default ./settings.json), --host, --port, --data-dir.
 */
import { z } from 'zod';
import { chatGptOptionsSchema } from '../upstream/chatgpt/request-body.js';
import { openAiOptionsSchema } from '../upstream/openai/request-body.js';
import type { LimitsConfig, ModelRoute } from './types.js';
import { PORT_MESSAGE, parsePort } from './flags.js';
import { parseAllowEntry } from '../metrics/allow-list.js';
import { PROXY_MESSAGE, isHttpUrl, isOrigin, isProxyUrl, withoutTrailingSlash } from './urls.js';

export const DEFAULT_USER_AGENT =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36';

export const DEFAULT_LIMITS: Required<LimitsConfig> = {
  body_limit_bytes: 1024 * 1024,
  request_timeout_ms: 120_000,
  upstream_first_byte_timeout_ms: 60_000,
  upstream_idle_timeout_ms: 60_000,
  upstream_connect_timeout_ms: 10_000,
  queue_timeout_ms: 30_000,
  queue_max: 1000,
  max_header_bytes: 16 * 1024,
  max_form_fields: 1000,
  max_query_params: 256,
  max_json_depth: 64,
  auth_failures_per_minute: 20,
  max_concurrent_turns: 512,
  shutdown_grace_ms: 10_000,
};

export const DEFAULT_MODELS: ModelRoute[] = [
  { name: 'auto', kinds: ['chatgpt'], plus: false },
  { name: 'gpt-4o-mini', kinds: ['chatgpt', 'openai'], plus: false },
  { name: 'gpt-4o', kinds: ['chatgpt', 'openai'], plus: true },
  { name: 'gpt-5', kinds: ['chatgpt'], plus: true },
  { name: 'o3', kinds: ['chatgpt'], plus: true },
  { name: 'text-davinci-002-render-sha', kinds: ['chatgpt'], plus: false },
];

/** A value checked by a plain function; `undefined` from `parse` means invalid. */
function checked<T>(parse: (value: unknown) => T | undefined, message: string) {
  return z
    .unknown()
    .optional() // lets zod pass absent keys to `parse`, which supplies the default
    .transform((value, ctx): T => {
      const parsed = parse(value);
      if (parsed === undefined) {
        ctx.addIssue({ code: 'custom', message });
        return z.NEVER;
      }
      return parsed;
    });
}

const absent = (value: unknown): boolean => value === undefined || value === null || value === '';

/** Optional string; "" and null count as absent (the original's template leaves fields ""). */
const optionalText = z
  .string({ error: 'must be a string' })
  .nullish()
  .transform((value) => (value === '' || value === null ? undefined : value));

const optionalUrl = (test: (text: string) => boolean, message: string) =>
  optionalText.refine((value) => value === undefined || test(value), message);

/** true/false, or the strings "true"/"false" that users of the original may have. */
export const looseBoolean = (fallback: boolean) =>
  checked<boolean>((value) => {
    if (absent(value)) return fallback;
    if (typeof value === 'boolean') return value;
    const text = typeof value === 'string' ? value.trim().toLowerCase() : '';
    return text === 'true' ? true : text === 'false' ? false : undefined;
  }, 'must be true or false');

const asPositiveInt = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isInteger(value) && value >= 1 ? value : undefined;

const positiveInt = (fallback: number) =>
  checked<number>((value) => (absent(value) ? fallback : asPositiveInt(value)), 'must be an integer ≥ 1');

const optionalPositiveInt = checked<number | null>(
  (value) => (absent(value) ? null : asPositiveInt(value)),
  'must be an integer ≥ 1',
).transform((value) => value ?? undefined);

const nameList = z.array(z.string().trim().min(1, 'must not be empty'), {
  error: 'must be a list of strings',
});

export const instanceSchema = z.object({
  name: optionalText.transform((value) => value?.trim() || undefined),
  kind: z.enum(['chatgpt', 'openai'], { error: 'must be "chatgpt" or "openai"' }).nullish(),
  email: optionalText,
  password: optionalText,
  access_token: optionalText,
  session_token: optionalText,
  refresh_token: optionalText,
  api_key: optionalText,
  base_url: optionalUrl(isHttpUrl, 'must be an http(s) URL').transform((v) => v && withoutTrailingSlash(v)),
  plus: looseBoolean(false),
  proxy: optionalUrl((value) => value === 'default' || isProxyUrl(value), PROXY_MESSAGE),
  models: nameList.nullish(),
  max_concurrency: optionalPositiveInt,
  weight: positiveInt(1),
  /** Checked per kind by `accountOptionsSchemas` once the kind is known. */
  options: z.record(z.string(), z.unknown(), { error: 'must be an object' }).nullish(),
});

/**
 * `options` each kind understands, defined beside the code that reads them. Unknown keys are
 * errors: a misspelt option would otherwise be ignored without a word.
 */
export const accountOptionsSchemas = {
  chatgpt: chatGptOptionsSchema,
  openai: openAiOptionsSchema,
} as const;

export const INSTANCE_KEYS: ReadonlySet<string> = new Set(Object.keys(instanceSchema.shape));
export const CREDENTIAL_KEYS = [
  'email',
  'password',
  'access_token',
  'session_token',
  'refresh_token',
  'api_key',
];

const serverSchema = z.object({
  host: optionalText.transform((value) => value?.trim() || '127.0.0.1'),
  port: checked((value) => (absent(value) ? 5000 : parsePort(value)), PORT_MESSAGE),
  default_proxy: optionalUrl(isProxyUrl, PROXY_MESSAGE),
  wan_url: optionalUrl(isHttpUrl, 'must be an http(s) URL').transform((v) => v && withoutTrailingSlash(v)),
  local_or_wan: z.enum(['wan', 'lan'], { error: 'must be "wan" or "lan"' }).nullish(),
  admin_api_key: optionalText,
  app_secret: optionalText,
  default_user_agent: optionalText,
  cors_origins: z
    .array(z.string().refine(isOrigin, 'must be an origin like https://app.example'), {
      error: 'must be a list of origins',
    })
    .nullish(),
  trust_proxy: looseBoolean(false),
  metrics_allow: z
    .array(
      z.string().refine((v) => parseAllowEntry(v) !== undefined, 'must be an IP address or CIDR range'),
      {
        error: 'must be a list of IP addresses or CIDR ranges',
      },
    )
    .nullish(),
});

const baseUrl = (fallback: string) =>
  optionalUrl(isHttpUrl, 'must be an http(s) URL').transform((v) => withoutTrailingSlash(v ?? fallback));

const openaiSchema = z.object({
  base_url: baseUrl('https://chatgpt.com/backend-api'),
  auth_base_url: baseUrl('https://chatgpt.com'),
  oauth_token_url: optionalUrl(isHttpUrl, 'must be an http(s) URL'),
  access_token_refresh_interval: positiveInt(86_400),
  user_agent: optionalText,
});

const kindList = z
  .array(z.enum(['chatgpt', 'openai'], { error: 'must be "chatgpt" or "openai"' }), {
    error: 'must be a list of kinds',
  })
  .min(1, 'must name at least one kind');

const modelRouteSchema = z.object({
  name: z.string({ error: 'must be a string' }).trim().min(1, 'must not be empty'),
  kinds: kindList,
  plus: looseBoolean(false),
  upstream: z
    .strictObject({ chatgpt: z.string().min(1).optional(), openai: z.string().min(1).optional() })
    .optional(),
});

const limitsSchema = z.object(
  Object.fromEntries(
    Object.entries(DEFAULT_LIMITS).map(([key, fallback]) => [key, positiveInt(fallback)]),
  ) as Record<keyof LimitsConfig, ReturnType<typeof positiveInt>>,
);

/** An absent or null section means "all defaults". */
const section = <T extends z.ZodType>(schema: T) => z.preprocess((value) => value ?? {}, schema);

/** The whole file except `openai.instances`, which is read by instances.ts (it has three forms). */
export const settingsSchema = z.object({
  openai: section(openaiSchema),
  api_server: section(serverSchema),
  models: z.array(modelRouteSchema, { error: 'must be a list of model routes' }).nullish(),
  limits: section(limitsSchema),
});
