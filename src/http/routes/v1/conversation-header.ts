/**
 * `X-Conversation-Id`: our conversation id. Sent by the caller to continue a stored
 * conversation; always sent back, so a caller can continue the one a call started.
 */
import type { FastifyRequest } from 'fastify';
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

/** For sendSse: the header with the stream's first event, which carries the id. */
export function conversationHeaders(first: ChatEvent): Record<string, string> | undefined {
  if (first.type === 'start') return { [CONVERSATION_HEADER]: first.conversationId };
  if (first.type === 'done') return { [CONVERSATION_HEADER]: first.result.conversationId };
  return undefined;
}
