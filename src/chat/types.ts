import type { BaseLogger } from 'pino';
import type { Principal } from '../users/principal.js';
import type {
  ChatMessage,
  SamplingOptions,
  ToolCall,
  ToolCallDelta,
  ToolOptions,
} from '../upstream/types.js';
import type { Tier } from '../pool/types.js';

/** One chat turn as asked by any front door (/api/chat, /v1, the pages). */
export interface ChatInput {
  principal: Principal;
  /** The new user prompt. For /v1 calls, the last user message. */
  prompt: string;
  /** Full message list (OpenAI-style callers); when absent, history comes from the stored conversation. */
  messages?: ChatMessage[];
  tier: Tier;
  /** Public model name; undefined = the tier's default. */
  model?: string;
  /** Our conversation id, to continue it. */
  conversationId?: string;
  /** The caller's own ChatGPT access token: skips the pool. */
  accessToken?: string;
  /** With accessToken: the caller's account has Plus (selects the paid model). */
  userPlus?: boolean;
  sampling?: SamplingOptions;
  /** Function tools offered to the model (/v1 only). */
  tools?: ToolOptions;
  /** OpenAI's `response_format` (/v1 only). */
  responseFormat?: Readonly<Record<string, unknown>>;
  /**
   * The request field that needs an OpenAI-kind account (tools, calls in the messages, a JSON
   * response format): the turn runs on those only, or is refused naming the field.
   */
  openAiOnly?: 'tools' | 'response_format';
  /** false when the caller waits for the whole reply (no streaming): upstreams may answer in one piece. */
  stream?: boolean;
  /** Where the turn came from, for logs and metrics. */
  via: 'api' | 'v1' | 'responses' | 'page';
  signal: AbortSignal;
  /** Aborts `signal` for a reason other than the client's: the turn gate's drain ends turns with it. */
  stop: (reason: unknown) => void;
  /** The request's logger (it carries the request id); default: the service's logger. */
  logger?: Pick<BaseLogger, 'info' | 'warn' | 'error'>;
  /** Filled in as the turn runs, for the X-Gateway-Overhead-Ms header. */
  timing?: TurnTiming;
}

/** Upstream timings of one turn, in ms (performance.now() differences), set by the chat service. */
export interface TurnTiming {
  /** From the first account lease to the first reply text. */
  upstreamFirstByteMs?: number;
  /** From the first account lease to the last upstream event (or the failure). */
  upstreamMs?: number;
  /** Set by the HTTP layer when it computes the header. */
  overheadMs?: number;
}

export type ChatEvent =
  | { type: 'start'; conversationId: string; turnId: string; model: string; account: string }
  | { type: 'delta'; text: string }
  /** A piece of a function call, as the upstream sent it (only for turns with tools). */
  | ToolCallDelta
  | { type: 'title'; title: string }
  /**
   * The upstream's reply is complete and the turn is being saved; `done` follows once it is. A
   * renderer may hold what it has not written yet and send it with the end (one write, not two).
   */
  | { type: 'finishing' }
  | { type: 'done'; result: ChatResult };

/** True for the event after which a turn's last events follow as soon as it is saved. */
export const isFinishing = (event: ChatEvent): boolean => event.type === 'finishing';

export interface ChatResult {
  conversationId: string;
  turnId: string;
  /** Upstream id of the reply message. */
  messageId: string | null;
  title: string | null;
  reply: string;
  prompt: string;
  model: string;
  /** Account name (or "your access token"). */
  account: string;
  finishReason: string;
  /** The function calls the reply made (only for turns with tools). */
  toolCalls?: ToolCall[];
  usage: { promptTokens?: number; completionTokens?: number; totalTokens?: number };
  startedAt: number;
  finishedAt: number;
  /** True when this turn started the conversation. */
  isNew: boolean;
  /** The previous turn, for the original's `last_message_prompt` / `last_message_reply`. */
  previous?: { prompt: string; reply: string };
}

/** The original answered a blank prompt with a fixed text and no upstream call. */
export const BLANK_PROMPT_REPLY =
  'You left the prompt blank. Please type a question or message in the prompt and send it again.';
