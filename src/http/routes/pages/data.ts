/** The store queries the pages make, as small functions with the access rules applied. */
import { loadConversationFor } from '../../../chat/access.js';
import type { ConversationFilter, ConversationRow, Store, TurnRow } from '../../../store/index.js';
import type { Principal } from '../../../users/principal.js';
import type { Bar } from '../../views/chart.js';
import type { UsageLine } from '../../views/admin-usage.js';

const MAX_TURNS_SHOWN = 500;

export async function myConversations(
  store: Store,
  principal: Principal,
  options: { q?: string; limit: number; offset?: number },
): Promise<{ rows: ConversationRow[]; total: number }> {
  return store.conversations.search({
    userId: principal.userId,
    text: options.q || undefined,
    limit: options.limit,
    offset: options.offset ?? 0,
  });
}

/** A conversation the principal may read (owner, its client, or an admin) with its turns; else 404. */
export async function conversationWithTurns(
  store: Store,
  principal: Principal,
  id: string,
): Promise<{ conversation: ConversationRow; turns: TurnRow[] }> {
  const conversation = await loadConversationFor(store, principal, id);
  const turns = await store.turns.listForConversation(id, { limit: MAX_TURNS_SHOWN });
  return { conversation, turns };
}

export async function deleteConversation(store: Store, principal: Principal, id: string): Promise<void> {
  await loadConversationFor(store, principal, id);
  await store.conversations.softDelete(id, Date.now());
}

export function allConversations(store: Store, filter: ConversationFilter) {
  return store.conversations.search(filter);
}

const DAY_MS = 86_400_000;

/** Every UTC day from `from` to `to` (inclusive), at most `max` days. */
export function daysBetween(from: string, to: string, max = 366): string[] {
  const days: string[] = [];
  const end = Date.parse(`${to}T00:00:00Z`);
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= end && days.length < max; t += DAY_MS)
    days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

/** Usage rows summed per day (for the chart), per user and day, and per account and day. */
export async function usageReport(
  store: Store,
  range: { from: string; to: string },
): Promise<{ perDay: Bar[]; byUser: UsageLine[]; byAccount: UsageLine[] }> {
  const rows = await store.usage.list(range);
  const perDay = new Map(daysBetween(range.from, range.to).map((d) => [d, 0]));
  const byUser = new Map<string, UsageLine>();
  const byAccount = new Map<string, UsageLine>();
  const add = (map: Map<string, UsageLine>, day: string, who: string, row: (typeof rows)[number]) => {
    const key = `${day}\u0000${who}`;
    const line = map.get(key) ?? { day, who, requests: 0, failures: 0, chars: 0, tokens: 0 };
    line.requests += Number(row.requests);
    line.failures += Number(row.failures);
    line.chars += Number(row.prompt_chars) + Number(row.reply_chars);
    line.tokens += Number(row.prompt_tokens) + Number(row.completion_tokens);
    map.set(key, line);
  };
  for (const row of rows) {
    perDay.set(row.day, (perDay.get(row.day) ?? 0) + Number(row.requests));
    add(byUser, row.day, row.user_id, row);
    add(byAccount, row.day, row.account_name, row);
  }
  return {
    perDay: [...perDay].map(([label, value]) => ({ label, value })),
    byUser: [...byUser.values()],
    byAccount: [...byAccount.values()],
  };
}
