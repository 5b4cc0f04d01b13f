/**
 * The one small contract between the rest of the server and an upstream kind.
 * Each kind lives in its own folder (src/upstream/<kind>/) and nothing outside that
 * folder branches on provider-specific details.
 */
import type { Dispatcher } from 'undici';

export type UpstreamKind = 'chatgpt' | 'openai';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  /** assistant: the functions it called (OpenAI kind only). */
  toolCalls?: ToolCall[];
  /** tool: the id of the call this message answers. */
  toolCallId?: string;
}

/** A function call the model made, as OpenAI's `tool_calls` entries carry it. */
export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/**
 * Function tools offered to the model (OpenAI kind only). Checked at the edge, then sent as
 * given: the upstream is the judge of a tool's JSON schema.
 */
export interface ToolOptions {
  tools: readonly Readonly<Record<string, unknown>>[];
  /** 'none' | 'auto' | 'required' | { type: 'function', function: { name } } */
  choice?: unknown;
  parallel?: boolean;
}

export interface UpstreamTimeouts {
  /** Time allowed until the response headers arrive (time to first byte). */
  firstByteMs: number;
  /** Longest silence allowed between two chunks of a streamed body. */
  idleMs: number;
}

/** Everything a provider needs to talk to one account. Built by the pool; never logged. */
export interface ProviderAccount {
  /** Account name, safe to show and to put in error messages. */
  name: string;
  kind: UpstreamKind;
  /** Base URL without trailing slash, e.g. https://chatgpt.com/backend-api or https://api.openai.com/v1 */
  baseUrl: string;
  /** chatgpt: the access token; openai: the API key. A secret: never log or echo it. */
  secret: string;
  /** Pooled undici dispatcher for this account's proxy (or direct). Shared, never closed by providers. */
  dispatcher: Dispatcher;
  timeouts: UpstreamTimeouts;
  /** Stable per-account device id for ChatGPT web (`Oai-Device-Id`). */
  deviceId?: string;
  userAgent?: string;
  /** Kind-specific options from the account's configuration (see each kind's folder). */
  options?: Readonly<Record<string, unknown>>;
}

/** Options passed through to OpenAI-compatible upstreams; ignored by the ChatGPT web kind. */
export interface SamplingOptions {
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  stop?: string | string[];
  presence_penalty?: number;
  frequency_penalty?: number;
  seed?: number;
  user?: string;
  /** Reasoning models (o-series, gpt-5). */
  reasoning_effort?: 'minimal' | 'low' | 'medium' | 'high';
  /** Token id → bias, -100 to 100. */
  logit_bias?: Record<string, number>;
}

/** The sampling options that exist, in one place for the /v1 edge and the OpenAI provider. */
export const SAMPLING_KEYS = [
  'temperature',
  'top_p',
  'max_tokens',
  'stop',
  'presence_penalty',
  'frequency_penalty',
  'seed',
  'user',
  'reasoning_effort',
  'logit_bias',
] as const satisfies readonly (keyof SamplingOptions)[];

export interface TurnRequest {
  /**
   * The turn's messages. The ChatGPT web kind sends only the last user message (history lives
   * upstream, addressed by conversationId/parentMessageId) unless no conversationId is given, in
   * which case earlier messages are folded into the first prompt. The OpenAI kind sends all.
   */
  messages: ChatMessage[];
  /** Upstream model slug (already mapped from the public model name). */
  model: string;
  /** Upstream conversation id, for a ChatGPT web follow-up. */
  conversationId?: string;
  /** Upstream id of the last assistant message, for a ChatGPT web follow-up. */
  parentMessageId?: string;
  sampling?: SamplingOptions;
  tools?: ToolOptions;
  /** OpenAI's `response_format` (JSON mode or a JSON schema); OpenAI kind only. */
  responseFormat?: Readonly<Record<string, unknown>>;
  /**
   * false: the caller waits for the whole reply, so a kind that can answer in one piece (the
   * OpenAI kind, with `stream: false`) should; it still yields the same events. Default true.
   */
  stream?: boolean;
  signal: AbortSignal;
}

export type FinishReason = 'stop' | 'length' | 'content_filter' | 'tool_calls' | 'other';

export type TurnEvent =
  | { type: 'delta'; text: string }
  /** Upstream ids as soon as they are known; may be sent more than once (later values win). */
  | { type: 'ids'; conversationId?: string; messageId?: string; model?: string }
  | { type: 'title'; title: string }
  | { type: 'usage'; promptTokens?: number; completionTokens?: number; totalTokens?: number }
  /** A piece of a function call: the first piece of each `index` has its id and name. */
  | ToolCallDelta
  | { type: 'finish'; reason: FinishReason };

export interface ToolCallDelta {
  type: 'tool_call';
  index: number;
  id?: string;
  name?: string;
  /** More characters of the call's JSON arguments. */
  arguments?: string;
}

export interface ModelInfo {
  id: string;
  title?: string;
  maxTokens?: number;
}

export interface Provider {
  readonly kind: UpstreamKind;
  /**
   * Runs one turn and yields its events as they arrive. Throws UpstreamError on failure, before
   * or during the stream. Aborting `request.signal` aborts the upstream call at once.
   */
  streamTurn(account: ProviderAccount, request: TurnRequest): AsyncIterable<TurnEvent>;
  listModels(account: ProviderAccount, signal: AbortSignal): Promise<ModelInfo[]>;
  /** Hides a conversation upstream when the kind keeps history there; a no-op otherwise. */
  deleteConversation(account: ProviderAccount, conversationId: string, signal: AbortSignal): Promise<void>;
}

export type UpstreamFailureKind =
  | 'rate_limited'
  | 'auth_expired'
  | 'auth_invalid'
  | 'upstream_challenge'
  | 'account_busy'
  | 'upstream_error'
  | 'network'
  | 'timeout'
  | 'bad_response'
  /** The upstream rejected the request itself (bad parameters, unknown model): not the account's fault. */
  | 'invalid_request'
  | 'cancelled';

export interface UpstreamErrorOptions {
  account?: string;
  status?: number;
  retryAfterSeconds?: number;
  /** True when part of the reply had already been yielded: no failover is allowed then. */
  afterFirstByte?: boolean;
  /** Upstream's own error code (e.g. token_expired, model_cap_exceeded), when known. */
  upstreamCode?: string;
  cause?: unknown;
}

/** A classified upstream failure. `message` is already redacted of secrets. */
export class UpstreamError extends Error {
  readonly kind: UpstreamFailureKind;
  readonly account: string | undefined;
  readonly status: number | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly afterFirstByte: boolean;
  readonly upstreamCode: string | undefined;

  constructor(kind: UpstreamFailureKind, message: string, options: UpstreamErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'UpstreamError';
    this.kind = kind;
    this.account = options.account;
    this.status = options.status;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.afterFirstByte = options.afterFirstByte ?? false;
    this.upstreamCode = options.upstreamCode;
  }
}

export const isUpstreamError = (value: unknown): value is UpstreamError => value instanceof UpstreamError;
