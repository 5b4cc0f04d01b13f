/** JSON shapes of ChatGPT web messages, as they appear in streams and in GET /conversation. */
import type { StoredMessage } from './conversation-store.js';

export interface MessageShape {
  id: string;
  role: 'system' | 'user' | 'assistant' | 'tool';
  text: string;
  status: 'in_progress' | 'finished_successfully';
  createTime: number;
  endTurn?: boolean | null;
  recipient?: string;
  contentType?: 'text' | 'code';
  model?: string;
  parentId?: string;
  finishType?: 'stop' | 'max_tokens' | null;
  hidden?: boolean;
}

export function messageJson(shape: MessageShape): Record<string, unknown> {
  const content =
    shape.contentType === 'code'
      ? { content_type: 'code', language: 'unknown', response_format_name: null, text: shape.text }
      : { content_type: 'text', parts: [shape.text] };
  const metadata: Record<string, unknown> = {};
  if (shape.model) metadata.model_slug = shape.model;
  if (shape.parentId) metadata.parent_id = shape.parentId;
  if (shape.role === 'assistant' && shape.recipient !== undefined && shape.recipient !== 'all') {
    metadata.reasoning_status = 'is_reasoning';
  }
  if (shape.finishType !== undefined) {
    metadata.finish_details = shape.finishType === null ? null : finishDetails(shape.finishType);
  }
  if (shape.hidden) metadata.is_visually_hidden_from_conversation = true;
  return {
    id: shape.id,
    author: { role: shape.role, name: null, metadata: {} },
    create_time: shape.createTime,
    update_time: null,
    content,
    status: shape.status,
    end_turn: shape.endTurn ?? null,
    weight: 1,
    metadata,
    recipient: shape.recipient ?? 'all',
    channel: null,
  };
}

export function finishDetails(type: 'stop' | 'max_tokens'): Record<string, unknown> {
  return type === 'stop' ? { type: 'stop', stop_tokens: [200002] } : { type: 'max_tokens' };
}

export function storedMessageJson(message: StoredMessage, parentId: string | null): Record<string, unknown> {
  return messageJson({
    id: message.id,
    role: message.role,
    text: message.text,
    status: 'finished_successfully',
    createTime: message.createTime,
    endTurn: message.role === 'assistant' ? message.finishType === 'stop' : null,
    model: message.model,
    parentId: parentId ?? undefined,
    finishType: message.role === 'assistant' ? (message.finishType ?? 'stop') : undefined,
    hidden: message.role === 'system',
  });
}
