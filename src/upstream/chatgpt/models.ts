/**
 * Account-level calls besides the turn: the model list and hiding a conversation.
 */
import { UpstreamError } from '../types.js';
import type { ModelInfo, ProviderAccount } from '../types.js';
import { toUpstreamError } from './errors.js';
import { send, sendForJson } from './http.js';
import { isJsonObject } from './json-patch.js';

/** GET /models → {"models":[{"slug","title","max_tokens",…}]} */
export async function listChatGptModels(account: ProviderAccount, signal: AbortSignal): Promise<ModelInfo[]> {
  const answer = await sendForJson({ account, method: 'GET', path: '/models', signal });
  if (!isJsonObject(answer) || !Array.isArray(answer.models)) {
    throw toUpstreamError(new UpstreamError('bad_response', '/models answered no model list'), { account });
  }
  const models: ModelInfo[] = [];
  for (const entry of answer.models) {
    if (!isJsonObject(entry) || typeof entry.slug !== 'string') continue;
    const model: ModelInfo = { id: entry.slug };
    if (typeof entry.title === 'string') model.title = entry.title;
    if (typeof entry.max_tokens === 'number') model.maxTokens = entry.max_tokens;
    models.push(model);
  }
  return models;
}

/** PATCH /conversation/{id} {"is_visible":false}. A conversation already gone counts as deleted. */
export async function deleteChatGptConversation(
  account: ProviderAccount,
  conversationId: string,
  signal: AbortSignal,
): Promise<void> {
  try {
    const response = await send({
      account,
      method: 'PATCH',
      path: `/conversation/${encodeURIComponent(conversationId)}`,
      body: { is_visible: false },
      signal,
    });
    await response.body.dump();
  } catch (error) {
    if (error instanceof UpstreamError && error.status === 404) return;
    throw error;
  }
}
