/**
 * The Responses API's objects and stream events (`/v1/responses`), as the official SDK's
 * ResponseStream accumulates them: created → in_progress → output_item.added →
 * content_part.added → output_text.delta… → output_text.done → content_part.done →
 * output_item.done → completed (or incomplete); `error` + `response.failed` after a failure.
 */
import type { ChatResult } from '../../../chat/types.js';
import type { AppError } from '../../../errors.js';
import { sseFrame } from '../../render/sse.js';
import { compactId, knownUsage, openAiCode } from './openai-shapes.js';

const RESPONSE_PREFIX = 'resp_';

/** An opaque id that names our conversation and turn, so `previous_response_id` can continue it. */
export function responseId(conversationId: string, turnId: string): string {
  return RESPONSE_PREFIX + Buffer.from(`${conversationId}:${turnId}`, 'utf8').toString('base64url');
}

export function parseResponseId(id: string): { conversationId: string; turnId: string } | undefined {
  if (!id.startsWith(RESPONSE_PREFIX)) return undefined;
  const decoded = Buffer.from(id.slice(RESPONSE_PREFIX.length), 'base64url').toString('utf8');
  const colon = decoded.lastIndexOf(':');
  if (colon <= 0 || colon === decoded.length - 1) return undefined;
  return { conversationId: decoded.slice(0, colon), turnId: decoded.slice(colon + 1) };
}

export interface ResponseContext {
  id: string;
  itemId: string;
  model: string;
  createdAt: number;
  instructions: string | null;
  previousResponseId: string | null;
}

export function responseContext(
  ids: { conversationId: string; turnId: string },
  request: Omit<ResponseContext, 'id' | 'itemId'>,
): ResponseContext {
  return {
    ...request,
    id: responseId(ids.conversationId, ids.turnId),
    itemId: `msg_${compactId(ids.turnId)}`,
  };
}

type Status = 'in_progress' | 'completed' | 'incomplete' | 'failed';

const outputText = (text: string) => ({ type: 'output_text' as const, text, annotations: [], logprobs: [] });

function messageItem(ctx: ResponseContext, text: string | undefined, status: Status) {
  return {
    type: 'message' as const,
    id: ctx.itemId,
    status,
    role: 'assistant' as const,
    content: text === undefined ? [] : [outputText(text)],
  };
}

function responseUsage(usage: ChatResult['usage']) {
  const known = knownUsage(usage);
  if (!known) return null;
  return {
    input_tokens: known.prompt_tokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: known.completion_tokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: known.total_tokens,
  };
}

export function responseObject(
  ctx: ResponseContext,
  state: { status: Status; result?: ChatResult; error?: AppError },
) {
  const { status, result, error } = state;
  return {
    id: ctx.id,
    object: 'response' as const,
    created_at: ctx.createdAt,
    status,
    error: error ? { code: openAiCode(error.code), message: error.message } : null,
    incomplete_details: status === 'incomplete' ? { reason: 'max_output_tokens' } : null,
    instructions: ctx.instructions,
    max_output_tokens: null,
    model: ctx.model,
    output: result ? [messageItem(ctx, result.reply, 'completed')] : [],
    ...(result && { output_text: result.reply }),
    parallel_tool_calls: false,
    previous_response_id: ctx.previousResponseId,
    temperature: null,
    top_p: null,
    tool_choice: 'none',
    tools: [],
    text: { format: { type: 'text' } },
    truncation: 'disabled',
    usage: result ? responseUsage(result.usage) : null,
    metadata: {},
  };
}

export const finalStatus = (result: ChatResult): Status =>
  result.finishReason === 'length' ? 'incomplete' : 'completed';

/** SSE frames of one streamed response, numbered in order. */
export function responseEventWriter(ctx: ResponseContext) {
  let sequence = 0;
  const at = { output_index: 0, content_index: 0, item_id: ctx.itemId };
  const event = (type: string, data: Record<string, unknown>) =>
    sseFrame({ type, sequence_number: sequence++, ...data }, type);
  return {
    opening: () =>
      event('response.created', { response: responseObject(ctx, { status: 'in_progress' }) }) +
      event('response.in_progress', { response: responseObject(ctx, { status: 'in_progress' }) }) +
      event('response.output_item.added', {
        output_index: 0,
        item: messageItem(ctx, undefined, 'in_progress'),
      }) +
      event('response.content_part.added', { ...at, part: outputText('') }),
    delta: (text: string) => event('response.output_text.delta', { ...at, delta: text, logprobs: [] }),
    closing: (result: ChatResult) => {
      const status = finalStatus(result);
      return (
        event('response.output_text.done', { ...at, text: result.reply, logprobs: [] }) +
        event('response.content_part.done', { ...at, part: outputText(result.reply) }) +
        event('response.output_item.done', {
          output_index: 0,
          item: messageItem(ctx, result.reply, 'completed'),
        }) +
        event(status === 'completed' ? 'response.completed' : 'response.incomplete', {
          response: responseObject(ctx, { status, result }),
        })
      );
    },
    failure: (error: AppError) =>
      event('error', { code: openAiCode(error.code), message: error.message, param: error.field ?? null }) +
      event('response.failed', { response: responseObject(ctx, { status: 'failed', error }) }),
  };
}
