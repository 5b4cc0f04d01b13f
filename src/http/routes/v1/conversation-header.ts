/**
 * `X-Conversation-Id`: our conversation id. Sent by the caller to continue a stored
 * conversation; always sent back, so a caller can continue the one a call started.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ChatEvent } from '../../../chat/types.js';
import { badRequest } from '../../../errors.js';

export const CONVERSATION_HEADER = 'x-conversation-id';

export function conversationHeader(request: FastifyRequest): string | undefined {
  const raw = request.headers[CONVERSATION_HEADER];
  const value = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  if (!value) return undefined;
  if (value.length > 128) throw badRequest(`'X-Conversation-Id' is too long`, CONVERSATION_HEADER);
  return value;
}

/** Sets the header as soon as the id is known: before the first SSE byte, or on the JSON reply. */
export async function* withConversationHeader(
  events: AsyncIterable<ChatEvent>,
  reply: FastifyReply,
): AsyncGenerator<ChatEvent, void, undefined> {
  for await (const event of events) {
    if (event.type === 'start') reply.header(CONVERSATION_HEADER, event.conversationId);
    else if (event.type === 'done' && event.result.conversationId)
      reply.header(CONVERSATION_HEADER, event.result.conversationId);
    yield event;
  }
}
