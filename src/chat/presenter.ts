/**
 * Public shapes of stored conversations and turns. Fields are listed on purpose: a row is never
 * sent as it is (the own-token hash and upstream ids stay inside).
 */
import type { ConversationRow, TurnRow } from '../store/index.js';
import type { ToolCall } from '../upstream/types.js';
import { OWN_TOKEN_ACCOUNT } from './own-token.js';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export interface ConversationView {
  conversation_id: string;
  title: string | null;
  created_at: string | null;
  updated_at: string | null;
  model: string | null;
  account: string | null;
  /** 'pool' (a shared account) or 'own_token' (started with the caller's access token). */
  origin: string;
  turns: number;
}

export interface AdminConversationView extends ConversationView {
  user_id: string;
  username: string | null;
}

export interface TurnView {
  turn_id: string;
  seq: number;
  prompt: string;
  reply: string;
  status: string;
  model: string | null;
  account: string | null;
  message_id: string | null;
  created_at: string | null;
  completed_at: string | null;
  first_byte_ms: number | null;
  /** The function calls the reply made (/v1 calls with tools). */
  tool_calls?: ToolCall[];
  error?: { code: string | null; message: string | null };
}

/** Stored calls, or undefined when there are none (or the column holds no list). */
export function storedToolCalls(json: string | null): ToolCall[] | undefined {
  if (!json) return undefined;
  try {
    const calls: unknown = JSON.parse(json);
    return Array.isArray(calls) ? (calls as ToolCall[]) : undefined;
  } catch {
    return undefined;
  }
}

export function presentConversation(row: ConversationRow, turns: number): ConversationView {
  return {
    conversation_id: row.id,
    title: row.title,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    model: row.model,
    account: row.origin === 'own_token' ? OWN_TOKEN_ACCOUNT : row.account_name,
    origin: row.origin,
    turns,
  };
}

export function presentAdminConversation(
  row: ConversationRow & { username?: string | null },
  turns: number,
): AdminConversationView {
  return { ...presentConversation(row, turns), user_id: row.user_id, username: row.username ?? null };
}

export function presentTurn(turn: TurnRow): TurnView {
  const failed = turn.status !== 'complete' && turn.status !== 'pending';
  const toolCalls = storedToolCalls(turn.tool_calls);
  return {
    turn_id: turn.id,
    seq: turn.seq,
    prompt: turn.prompt,
    reply: turn.reply,
    status: turn.status,
    model: turn.model,
    account: turn.account_name,
    message_id: turn.upstream_message_id,
    created_at: iso(turn.created_at),
    completed_at: iso(turn.completed_at),
    first_byte_ms: turn.first_byte_ms,
    ...(toolCalls && { tool_calls: toolCalls }),
    ...(failed && { error: { code: turn.error_code, message: turn.error_message } }),
  };
}

/** The original's recall list: conversation id → { title }. */
export function originalConversationMap(
  views: readonly ConversationView[],
): Record<string, { title: string }> {
  const map: Record<string, { title: string }> = {};
  for (const view of views) map[view.conversation_id] = { title: view.title ?? '' };
  return map;
}

/** The original's one-conversation shape: upstream message id → { prompt, reply, time }. */
export function originalMessageMap(
  turns: readonly TurnRow[],
): Record<string, { prompt: string; reply: string; time: string | null }> {
  const map: Record<string, { prompt: string; reply: string; time: string | null }> = {};
  for (const turn of turns) {
    if (turn.upstream_message_id)
      map[turn.upstream_message_id] = { prompt: turn.prompt, reply: turn.reply, time: iso(turn.created_at) };
  }
  return map;
}
