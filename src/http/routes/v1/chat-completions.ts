/**
 * POST /v1/chat/completions on top of the chat service. Each call is a stored turn: a new
 * conversation holding the caller's whole message list, or, with `X-Conversation-Id`, the next
 * turn of a stored conversation (then only the last user message is new).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isFinishing, type ChatEvent, type ChatInput, type ChatResult } from '../../../chat/types.js';
import type { AppDeps } from '../../deps.js';
import { clientGone } from '../../abort.js';
import { parseInput, requestParams } from '../../input.js';
import { sendSse, sseFrame } from '../../render/sse.js';
import { openAiPrincipal } from './auth.js';
import { conversationHeader, conversationHeaders, setConversationHeader } from './conversation-header.js';
import { requireServedModel } from './models.js';
import {
  chatCompletion,
  chunkFrames,
  completionChunk,
  completionId,
  knownUsage,
  openAiErrorBody,
  openAiFinishReason,
  unixSeconds,
  usageChunk,
  type ChunkContext,
  type ChunkFrames,
} from './openai-shapes.js';
import {
  chatCompletionBody,
  chatMessages,
  lastUserMessage,
  responseFormatFrom,
  samplingFrom,
  toolsFrom,
} from './schemas.js';
import { badRequest } from '../../../errors.js';
import type { ToolCallDelta } from '../../../upstream/types.js';
import { chatContext } from '../../request-metrics.js';

export async function finalResult(events: AsyncIterable<ChatEvent>): Promise<ChatResult> {
  let result: ChatResult | undefined;
  for await (const event of events) if (event.type === 'done') result = event.result;
  if (!result) throw new Error('chat ended without a result');
  return result;
}

/**
 * Frames of one streamed completion; the role chunk goes first even for an empty reply. It is
 * held until the first text (which always follows the start at once), so the two leave in the
 * stream's first write instead of two.
 */
export function chunkFormatter(model: string, created: number, includeUsage: boolean) {
  let stream: { ctx: ChunkContext; frames: ChunkFrames } | undefined;
  let roleFrame = '';
  const open = (turnId: string) => {
    if (stream) return stream;
    const ctx = { id: completionId(turnId), created, model, includeUsage };
    stream = { ctx, frames: chunkFrames(ctx) };
    roleFrame = stream.frames.role();
    return stream;
  };
  /** The role chunk, the first time only. */
  const held = (): string => {
    const frame = roleFrame;
    roleFrame = '';
    return frame;
  };
  return (event: ChatEvent): string => {
    switch (event.type) {
      case 'start':
        open(event.turnId);
        return '';
      case 'delta':
        return stream ? held() + stream.frames.text(event.text) : '';
      case 'tool_call':
        return stream
          ? held() + sseFrame(completionChunk(stream.ctx, { tool_calls: [toolCallChunk(event)] }))
          : '';
      case 'title':
      case 'finishing':
        return '';
      case 'done': {
        const { ctx, frames } = open(event.result.turnId);
        const usage = knownUsage(event.result.usage);
        const finish = frames.finish(openAiFinishReason(event.result.finishReason));
        return held() + finish + (includeUsage && usage ? sseFrame(usageChunk(ctx, usage)) : '');
      }
    }
  };
}

/** OpenAI's streamed piece of a call: the first (with the id) names the function. */
function toolCallChunk(piece: ToolCallDelta) {
  const fn = { ...(piece.name && { name: piece.name }), arguments: piece.arguments ?? '' };
  return piece.id
    ? { index: piece.index, id: piece.id, type: 'function' as const, function: fn }
    : { index: piece.index, function: fn };
}

export function chatCompletionRoutes({ users, runtime, config }: AppDeps) {
  return async function routes(app: FastifyInstance): Promise<void> {
    app.post('/v1/chat/completions', async (request: FastifyRequest, reply: FastifyReply) => {
      const principal = await openAiPrincipal(request, users);
      const body = parseInput(chatCompletionBody, requestParams(request));
      requireServedModel({ config, accounts: runtime.pool.accounts(), model: body.model, principal });
      const conversationId = conversationHeader(request);
      const { messages, usesTools } = chatMessages(body.messages);
      const tools = toolsFrom(body);
      const responseFormat = responseFormatFrom(body);
      const withTools = tools !== undefined || usesTools;
      if (withTools && conversationId)
        throw badRequest(
          'Function tools work with the whole message list, not with X-Conversation-Id (a stored conversation keeps no calls)',
          'tools',
        );
      const input: ChatInput = {
        principal,
        prompt: lastUserMessage(messages, 'messages'),
        // A stored conversation supplies its own history; the caller's list would repeat it.
        messages: conversationId ? undefined : messages,
        tools,
        responseFormat,
        openAiOnly: withTools ? 'tools' : responseFormat ? 'response_format' : undefined,
        tier: principal.plus ? 'any' : 'free',
        model: body.model,
        conversationId,
        sampling: samplingFrom(body, body.max_completion_tokens ?? body.max_tokens),
        stream: body.stream === true,
        via: 'v1',
        ...chatContext(request),
        ...clientGone(request, reply),
      };
      const created = unixSeconds(Date.now());
      const events = runtime.chat.chat(input);
      if (body.stream) {
        const frame = chunkFormatter(body.model, created, body.stream_options?.include_usage === true);
        return sendSse(request, reply, events, {
          frame,
          errorFrame: (error) => sseFrame(openAiErrorBody(error)),
          end: sseFrame('[DONE]'),
          holdsTail: isFinishing,
          headers: conversationHeaders,
        });
      }
      const result = await finalResult(events);
      setConversationHeader(reply, result);
      return chatCompletion(result, body.model, created);
    });
  };
}
