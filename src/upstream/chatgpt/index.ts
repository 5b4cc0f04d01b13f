/**
 * The ChatGPT web provider (kind "chatgpt"): talks to /backend-api with an account's access
 * token. Per-account options are described by ChatGptSettings in request-body.ts.
 */
import type { Provider } from '../types.js';
import { deleteChatGptConversation, listChatGptModels } from './models.js';
import { streamChatGptTurn } from './send.js';

export type { ChatGptSettings } from './request-body.js';

export function createChatGptProvider(): Provider {
  return {
    kind: 'chatgpt',
    streamTurn: (account, request) => streamChatGptTurn(account, request),
    listModels: (account, signal) => listChatGptModels(account, signal),
    deleteConversation: (account, conversationId, signal) =>
      deleteChatGptConversation(account, conversationId, signal),
  };
}
