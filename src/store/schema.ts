/**
 * Table types for Kysely. One schema for SQLite and PostgreSQL: booleans are stored as 0/1
 * integers and times as epoch milliseconds (BIGINT in PostgreSQL, parsed back to numbers), so
 * the same queries run on both engines.
 */
import type { ColumnType, Insertable, Selectable, Updateable } from 'kysely';

type Flag = number; // 0 | 1
type EpochMs = number;

export interface UsersTable {
  id: string;
  username: string;
  is_plus: Flag;
  is_admin: Flag;
  is_client: Flag;
  /** The user (a client or an admin) who created this one; null for the admin key or import. */
  created_by: string | null;
  created_at: EpochMs;
  disabled: Flag;
  /** JSON: { requests_per_minute?, requests_per_day?, models? } */
  limits: string | null;
}

export interface ApiKeysTable {
  id: string;
  user_id: string;
  /** SHA-256 of the full key, hex. The key itself is never stored. */
  key_hash: string;
  /** Last 4 characters, to let people tell keys apart. */
  last4: string;
  created_at: EpochMs;
  revoked_at: EpochMs | null;
  /** When the key stops working; null: never. */
  expires_at: EpochMs | null;
}

export interface AccountsTable {
  name: string;
  kind: string;
  is_plus: Flag;
  /** 'config' (from settings.json, synced at start) or 'runtime' (added through the admin API). */
  source: string;
  /** JSON of non-secret settings: base_url, proxy, models, max_concurrency, weight. */
  settings: string;
  /** Encrypted JSON of credentials (tokens, passwords, API key); see src/pool/cipher. */
  credentials: string | null;
  disabled: Flag;
  disabled_reason: string | null;
  created_at: EpochMs;
  updated_at: EpochMs;
}

export interface ConversationsTable {
  id: string;
  user_id: string;
  title: string | null;
  /** 'pool' (a pooled account) or 'own_token' (the caller's own access token). */
  origin: string;
  account_name: string | null;
  account_kind: string | null;
  /** SHA-256 of the caller's own access token, to check follow-ups; never the token. */
  own_token_hash: string | null;
  upstream_conversation_id: string | null;
  last_upstream_message_id: string | null;
  model: string | null;
  created_at: EpochMs;
  updated_at: EpochMs;
  deleted_at: EpochMs | null;
}

export interface TurnsTable {
  id: string;
  conversation_id: string;
  seq: number;
  user_id: string;
  account_name: string | null;
  model: string | null;
  prompt: string;
  reply: string;
  /** 'pending' | 'complete' | 'incomplete' | 'cancelled' | 'error' */
  status: string;
  error_code: string | null;
  error_message: string | null;
  upstream_message_id: string | null;
  parent_message_id: string | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  created_at: EpochMs;
  first_byte_ms: number | null;
  completed_at: EpochMs | null;
  /** Instance id of the server process that ran (or runs) the turn; null before migration 002. */
  owner: string | null;
  /** JSON list of the function calls the reply made (OpenAI's `tool_calls`); null when none. */
  tool_calls: string | null;
}

export interface UsageDailyTable {
  day: string; // YYYY-MM-DD (UTC)
  user_id: string;
  account_name: string; // '' when no account was involved
  requests: ColumnType<number, number, number>;
  failures: number;
  prompt_chars: number;
  reply_chars: number;
  prompt_tokens: number;
  completion_tokens: number;
}

export interface SessionsTable {
  /** SHA-256 of the session cookie's value, hex: a leaked table holds no live session id. */
  id: string;
  user_id: string;
  /** SHA-256 of the key used to sign in, to notice a rotated or revoked key. */
  key_hash: string;
  created_at: EpochMs;
  expires_at: EpochMs;
}

export interface Database {
  users: UsersTable;
  api_keys: ApiKeysTable;
  accounts: AccountsTable;
  conversations: ConversationsTable;
  turns: TurnsTable;
  usage_daily: UsageDailyTable;
  sessions: SessionsTable;
}

export type UserRow = Selectable<UsersTable>;
export type NewUserRow = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type AccountRow = Selectable<AccountsTable>;
export type ConversationRow = Selectable<ConversationsTable>;
export type TurnRow = Selectable<TurnsTable>;
export type UsageDailyRow = Selectable<UsageDailyTable>;
export type SessionRow = Selectable<SessionsTable>;
