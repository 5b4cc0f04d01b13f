/**
 * Conversation titles from the older `gen_title` endpoint, for streams that sent no
 * title_generation event. Best effort: a title is never worth failing a finished reply.
 */
import type { ProviderAccount } from '../types.js';
import { sendForJson } from './http.js';
import { isJsonObject } from './json-patch.js';
import { anySignal } from '../../turn-signal.js';

const TITLE_TIMEOUT_CAP_MS = 5000;

export interface TitleInput {
  account: ProviderAccount;
  conversationId: string | undefined;
  messageId: string | undefined;
  signal: AbortSignal;
}

export async function fetchTitle(input: TitleInput): Promise<string | undefined> {
  const { account, conversationId, messageId } = input;
  if (!conversationId || !messageId || input.signal.aborted) return undefined;
  const timeoutMs = Math.min(account.timeouts.firstByteMs, TITLE_TIMEOUT_CAP_MS);
  const signal = anySignal([input.signal, AbortSignal.timeout(timeoutMs)]);
  try {
    const answer = await sendForJson({
      account,
      method: 'POST',
      path: `/conversation/gen_title/${encodeURIComponent(conversationId)}`,
      body: { message_id: messageId },
      signal,
    });
    return isJsonObject(answer) && typeof answer.title === 'string' && answer.title
      ? answer.title
      : undefined;
  } catch {
    return undefined;
  }
}
