import type { ConversationRow, TurnRow } from '../store/index.js';
import type { ChatMessage, UpstreamKind } from '../upstream/types.js';

/**
 * The messages sent upstream for one attempt. A ChatGPT-web follow-up on the account that holds
 * the history sends only the new prompt; every other case sends the whole history, from the
 * caller's messages or from our stored turns.
 */
export function messagesForAttempt(input: {
  kind: UpstreamKind;
  accountName: string;
  prompt: string;
  callerMessages?: ChatMessage[];
  conversation?: ConversationRow;
  turns: TurnRow[];
}): { messages: ChatMessage[]; upstreamConversationId?: string; parentMessageId?: string } {
  const { conversation } = input;
  const latest: ChatMessage[] = [{ role: 'user', content: input.prompt }];
  if (
    input.kind === 'chatgpt' &&
    conversation?.account_name === input.accountName &&
    conversation.upstream_conversation_id &&
    conversation.last_upstream_message_id
  ) {
    return {
      messages: latest,
      upstreamConversationId: conversation.upstream_conversation_id,
      parentMessageId: conversation.last_upstream_message_id,
    };
  }
  if (input.callerMessages && input.callerMessages.length > 0) {
    const stored = storedHistory(input.turns);
    return { messages: [...stored, ...input.callerMessages] };
  }
  return { messages: [...storedHistory(input.turns), ...latest] };
}

function storedHistory(turns: TurnRow[]): ChatMessage[] {
  const out: ChatMessage[] = [];
  for (const turn of turns) {
    if (!turn.reply) continue; // failed turns add nothing the model said
    out.push({ role: 'user', content: turn.prompt }, { role: 'assistant', content: turn.reply });
  }
  return out;
}

/** A title from the first prompt when the upstream gives none. */
export function titleFromPrompt(prompt: string): string {
  const line = prompt.replace(/\s+/g, ' ').trim();
  return line.length > 60 ? `${line.slice(0, 57)}…` : line || 'New conversation';
}
