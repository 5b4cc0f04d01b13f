/**
 * Whole user, conversation and turn rows for tests that write to the store directly: every
 * column filled (a plain user, a pool conversation, a pending turn), the test giving what it
 * cares about.
 */
import type { ConversationsTable, NewUserRow, TurnsTable } from '../../src/store/schema.js';

export function userRow(fields: Pick<NewUserRow, 'id' | 'username'> & Partial<NewUserRow>): NewUserRow {
  return {
    is_plus: 0,
    is_admin: 0,
    is_client: 0,
    created_by: null,
    created_at: 1,
    disabled: 0,
    limits: null,
    ...fields,
  };
}

export function conversationRow(
  fields: Pick<ConversationsTable, 'id' | 'user_id'> & Partial<ConversationsTable>,
): ConversationsTable {
  return {
    title: null,
    origin: 'pool',
    account_name: null,
    account_kind: null,
    own_token_hash: null,
    upstream_conversation_id: null,
    last_upstream_message_id: null,
    model: null,
    created_at: 1,
    updated_at: 1,
    deleted_at: null,
    ...fields,
  };
}

export function turnRow(
  fields: Pick<TurnsTable, 'id' | 'conversation_id' | 'user_id'> & Partial<TurnsTable>,
): TurnsTable {
  return {
    seq: 0,
    account_name: null,
    model: null,
    prompt: 'p',
    reply: '',
    status: 'pending',
    error_code: null,
    error_message: null,
    upstream_message_id: null,
    parent_message_id: null,
    prompt_tokens: null,
    completion_tokens: null,
    created_at: 1,
    first_byte_ms: null,
    completed_at: null,
    owner: null,
    tool_calls: null,
    ...fields,
  };
}
