/**
 * Settings and request bodies of a ChatGPT web send (protocol §1.1 steps 3-4).
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { UpstreamError } from '../types.js';
import type { TurnRequest } from '../types.js';
import type { JsonObject } from './json-patch.js';
import type { PowVariant } from './pow.js';
import type { SentinelMode } from './sentinel.js';

export type SendPath = 'f/conversation' | 'conversation';

/** `account.options` understood by this kind; anything unknown falls back to the default. */
export interface ChatGptSettings {
  /** 'f/conversation' (current, default) or 'conversation' (older backends and proxies). */
  sendPath: SendPath;
  /** 'single' (default) or 'two-step' prepare/finalize chat-requirements. */
  sentinel: SentinelMode;
  /** Call /f/conversation/prepare for an x-conduit-token first (default false). */
  conduit: boolean;
  /** Proof-of-work hash: 'fnv' (current, default) or 'sha3' (older). */
  powVariant: PowVariant;
  /** Ask /conversation/gen_title when a new conversation's stream sent no title (default true). */
  titleFallback: boolean;
}

const yesNo = z.boolean({ error: 'must be true or false' }).optional();

/** What an account's `options` may hold (checked when the configuration is read). */
export const chatGptOptionsSchema = z.strictObject({
  sendPath: z.enum(['f/conversation', 'conversation']).optional(),
  sentinel: z.enum(['single', 'two-step']).optional(),
  conduit: yesNo,
  powVariant: z.enum(['fnv', 'sha3']).optional(),
  titleFallback: yesNo,
});

export function readSettings(options: Readonly<Record<string, unknown>> | undefined): ChatGptSettings {
  const option = options ?? {};
  return {
    sendPath: option.sendPath === 'conversation' ? 'conversation' : 'f/conversation',
    sentinel: option.sentinel === 'two-step' ? 'two-step' : 'single',
    conduit: option.conduit === true,
    powVariant: option.powVariant === 'sha3' ? 'sha3' : 'fnv',
    titleFallback: option.titleFallback !== false,
  };
}

/**
 * The text to send. A follow-up sends only the last user message (history lives upstream);
 * a new conversation with several messages gets the history folded into its first prompt.
 */
export function promptFor(request: Pick<TurnRequest, 'messages' | 'conversationId'>): string {
  const { messages } = request;
  if (request.conversationId) {
    const lastUser = [...messages].reverse().find((message) => message.role === 'user');
    if (!lastUser) throw new UpstreamError('invalid_request', 'a follow-up needs a user message');
    return lastUser.content;
  }
  const [first] = messages;
  if (!first) throw new UpstreamError('invalid_request', 'a turn needs at least one message');
  if (messages.length === 1) return first.content;
  return messages.map((message) => `${message.role}: ${message.content}`).join('\n');
}

interface ConversationTarget {
  model: string;
  conversationId?: string;
  parentMessageId: string;
}

function commonFields(target: ConversationTarget): JsonObject {
  const fields: JsonObject = {
    parent_message_id: target.parentMessageId,
    model: target.model,
    conversation_mode: { kind: 'primary_assistant' },
    timezone_offset_min: 0,
    history_and_training_disabled: false,
    supported_encodings: ['v1'],
  };
  if (target.conversationId) fields.conversation_id = target.conversationId;
  return fields;
}

export function nextBody(target: ConversationTarget & { prompt: string }): JsonObject {
  const message = {
    id: randomUUID(),
    author: { role: 'user' },
    create_time: Date.now() / 1000,
    content: { content_type: 'text', parts: [target.prompt] },
    metadata: {},
  };
  return { action: 'next', messages: [message], ...commonFields(target) };
}

export const continueBody = (target: ConversationTarget): JsonObject => ({
  action: 'continue',
  ...commonFields(target),
});

/** The conduit prepare body: like the send, without the message. */
export const conduitPrepareBody = (target: ConversationTarget & { action: string }): JsonObject => ({
  action: target.action,
  ...commonFields(target),
});
