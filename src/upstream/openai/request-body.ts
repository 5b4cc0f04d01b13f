/** The JSON body of a streamed Chat Completions call. */
import { SAMPLING_KEYS, type ProviderAccount, type TurnRequest } from '../types.js';

export function buildChatBody(account: ProviderAccount, turn: TurnRequest): string {
  const body: Record<string, unknown> = {
    model: turn.model,
    messages: turn.messages.map(({ role, content }) => ({ role, content })),
    stream: true,
  };
  // Always stream upstream so the first delta reaches the caller at once; usage rides along.
  if (account.options?.streamOptions !== false) body.stream_options = { include_usage: true };
  for (const key of SAMPLING_KEYS) {
    const value = turn.sampling?.[key];
    if (value !== undefined) body[key] = value;
  }
  return JSON.stringify(body);
}
