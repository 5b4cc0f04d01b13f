/**
 * OpenAI's wire shapes for chat completions, errors and models, built from our ChatResult.
 * Only what OpenAI documents is sent, so strict clients (the official SDKs) parse it.
 */
import type { ChatResult } from '../../../chat/types.js';
import type { AppError } from '../../../errors.js';

/** Our error codes → OpenAI's, where clients look at them. */
const OPENAI_CODES: Record<string, string> = {
  unauthorized: 'invalid_api_key',
  no_user: 'missing_api_key',
  rate_limited: 'rate_limit_exceeded',
  upstream_rate_limited: 'rate_limit_exceeded',
};

export const openAiCode = (code: string): string => OPENAI_CODES[code] ?? code;

/** Same types as the /v1 error handler (src/http/errors.ts) uses for the same status. */
function openAiType(status: number): string {
  if (status >= 500) return 'server_error';
  if (status === 429) return 'rate_limit_error';
  if (status === 403) return 'permission_error';
  return 'invalid_request_error';
}

/** `{error:{message,type,param,code}}` for an error sent inside a stream. */
export function openAiErrorBody(error: AppError) {
  return {
    error: {
      message: error.message,
      type: openAiType(error.status),
      param: error.field ?? null,
      code: openAiCode(error.code),
    },
  };
}

/** Compact id without dashes, for ids that must look like OpenAI's (`chatcmpl-…`, `msg_…`). */
export const compactId = (uuid: string): string => uuid.replace(/-/g, '');

export const completionId = (turnId: string): string => `chatcmpl-${compactId(turnId)}`;

export const unixSeconds = (ms: number): number => Math.floor(ms / 1000);

/** OpenAI's finish reasons; ours add `other`, which clients do not know. */
export function openAiFinishReason(reason: string): 'stop' | 'length' | 'content_filter' | 'tool_calls' {
  return reason === 'length' || reason === 'content_filter' || reason === 'tool_calls' ? reason : 'stop';
}

export interface OpenAiUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** Usage as reported by the upstream; undefined when it reported none (ChatGPT web). */
export function knownUsage(usage: ChatResult['usage']): OpenAiUsage | undefined {
  const { promptTokens, completionTokens, totalTokens } = usage;
  if (promptTokens === undefined && completionTokens === undefined && totalTokens === undefined)
    return undefined;
  const prompt = promptTokens ?? 0;
  const completion = completionTokens ?? 0;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: totalTokens ?? prompt + completion,
  };
}

/** A non-streamed `chat.completion`. `model` is the public name the caller asked for. */
export function chatCompletion(result: ChatResult, model: string, created: number) {
  const usage = knownUsage(result.usage);
  return {
    id: completionId(result.turnId),
    object: 'chat.completion' as const,
    created,
    model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant' as const,
          // OpenAI sends null, not '', when a reply is only function calls.
          content: result.toolCalls && result.reply === '' ? null : result.reply,
          refusal: null,
          ...(result.toolCalls && { tool_calls: result.toolCalls }),
        },
        logprobs: null,
        finish_reason: openAiFinishReason(result.finishReason),
      },
    ],
    ...(usage && { usage }),
  };
}

export interface ChunkContext {
  id: string;
  created: number;
  model: string;
  /** With `stream_options.include_usage`, every chunk carries `usage` (null but in the last). */
  includeUsage: boolean;
}

export function completionChunk(
  ctx: ChunkContext,
  delta: { role?: 'assistant'; content?: string; tool_calls?: unknown[] },
  finishReason: string | null = null,
) {
  return {
    id: ctx.id,
    object: 'chat.completion.chunk' as const,
    created: ctx.created,
    model: ctx.model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    ...(ctx.includeUsage && { usage: null }),
  };
}

export interface ChunkFrames {
  role(): string;
  text(text: string): string;
  finish(reason: string): string;
}

/**
 * The SSE frames of one stream's plain chunks (its role, text and finish), written as text around
 * the one part that changes: the same bytes as `sseFrame(completionChunk(ctx, …))` (a test
 * compares them), without a chunk object built and serialised for every frame (~0.75 µs each,
 * docs/performance-rounds.md, the fourteenth round). Tool calls and usage keep the object path.
 */
export function chunkFrames(ctx: ChunkContext): ChunkFrames {
  const head = `data: {"id":${JSON.stringify(ctx.id)},"object":"chat.completion.chunk","created":${JSON.stringify(ctx.created)},"model":${JSON.stringify(ctx.model)},"choices":[{"index":0,"delta":`;
  const usage = ctx.includeUsage ? ',"usage":null' : '';
  const tail = (finishReason: string) => `,"logprobs":null,"finish_reason":${finishReason}}]${usage}}\n\n`;
  const running = tail('null');
  return {
    role: () => `${head}{"role":"assistant","content":""}${running}`,
    text: (text) => `${head}{"content":${JSON.stringify(text)}}${running}`,
    finish: (reason) => `${head}{}${tail(JSON.stringify(reason))}`,
  };
}

export function usageChunk(ctx: ChunkContext, usage: OpenAiUsage) {
  return {
    id: ctx.id,
    object: 'chat.completion.chunk' as const,
    created: ctx.created,
    model: ctx.model,
    choices: [],
    usage,
  };
}

export function modelObject(id: string, created: number, ownedBy: string) {
  return { id, object: 'model' as const, created, owned_by: ownedBy };
}
