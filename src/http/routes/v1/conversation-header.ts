/**
 * `X-Conversation-Id`: our conversation id. Sent by the caller to continue a stored
 * conversation; always sent back, so a caller can continue the one a call started.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ChatEvent, ChatResult } from '../../../chat/types.js';
import { badRequest } from '../../../errors.js';

export const CONVERSATION_HEADER = 'x-conversation-id';

export function conversationHeader(request: FastifyRequest): string | undefined {
  const raw = request.headers[CONVERSATION_HEADER];
  const value = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  if (!value) return undefined;
  if (value.length > 128) throw badRequest(`'X-Conversation-Id' is too long`, CONVERSATION_HEADER);
  return value;
}

/** The header, when the turn has a conversation (a blank prompt's answer may have none). */
const headerFor = (conversationId: string | undefined): Record<string, string> | undefined =>
  conversationId ? { [CONVERSATION_HEADER]: conversationId } : undefined;

/** For sendSse: the header with the stream's first event, which carries the id. */
export function conversationHeaders(first: ChatEvent): Record<string, string> | undefined {
  if (first.type === 'start') return headerFor(first.conversationId);
  if (first.type === 'done') return headerFor(first.result.conversationId);
  return undefined;
}

/** For a JSON reply: the header from the turn's result. */
export function setConversationHeader(reply: FastifyReply, result: ChatResult): void {
  const header = headerFor(result.conversationId);
  if (header) reply.headers(header);
}
