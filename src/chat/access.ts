/** Who may read, continue or delete a conversation. Strangers get 404, never 403 (no probing). */
import { notFound } from '../errors.js';
import type { ConversationRow, Store } from '../store/index.js';
import type { Principal } from '../users/principal.js';

export async function canAccessConversation(
  store: Store,
  principal: Principal,
  conversation: ConversationRow,
): Promise<boolean> {
  if (conversation.user_id === principal.userId || principal.admin) return true;
  if (!principal.client) return false;
  const owner = await store.users.findById(conversation.user_id);
  return owner?.created_by === principal.userId;
}

export async function loadConversationFor(
  store: Store,
  principal: Principal,
  id: string,
): Promise<ConversationRow> {
  const conversation = await store.conversations.get(id);
  if (!conversation || !(await canAccessConversation(store, principal, conversation))) {
    throw notFound('Conversation not found', 'conversation_not_found');
  }
  return conversation;
}
