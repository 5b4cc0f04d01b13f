import type { ChatResult } from '../../../chat/types.js';
import type { Principal } from '../../../users/principal.js';

/**
 * The JSON answer of /api/chat: the original's field names (HEAD), the upstream-style message
 * object, and ours (reply, message_id, model, account).
 */
export function presentChatResult(result: ChatResult, principal: Principal, simulated: boolean) {
  const origin = new Date(result.startedAt);
  return {
    status: 'success',
    reply: result.reply,
    conversation_id: result.conversationId || null,
    conversation_title: result.title,
    message_id: result.messageId,
    model: result.model,
    account: result.account,
    finish_reason: result.finishReason,
    ...(result.usage.totalTokens !== undefined && {
      usage: {
        prompt_tokens: result.usage.promptTokens,
        completion_tokens: result.usage.completionTokens,
        total_tokens: result.usage.totalTokens,
      },
    }),
    message: {
      id: result.messageId,
      author: { role: 'assistant' },
      content: { content_type: 'text', parts: [result.reply] },
    },
    api_user: principal.userId,
    api_username: principal.username,
    api_client_id: principal.client ? principal.userId : null,
    api_prompt: result.prompt,
    api_prompt_time_origin: result.startedAt / 1000,
    api_prompt_time_origin_readable: origin.toISOString(),
    api_response_time_taken: (result.finishedAt - result.startedAt) / 1000,
    ...(result.previous && {
      last_message_prompt: result.previous.prompt,
      last_message_reply: result.previous.reply,
    }),
    ...(simulated && { simulated: true }),
  };
}
