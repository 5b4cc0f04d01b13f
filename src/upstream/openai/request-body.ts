/** The JSON body of a Chat Completions call: streamed unless the caller waits for the whole reply. */
import { z } from 'zod';
import { SAMPLING_KEYS, type ChatMessage, type ProviderAccount, type TurnRequest } from '../types.js';

/** What an account's `options` may hold (checked when the configuration is read). */
export const openAiOptionsSchema = z.strictObject({
  /** false: never send `stream_options`, for servers that reject unknown fields. */
  streamOptions: z.boolean({ error: 'must be true or false' }).optional(),
});

/** OpenAI's message shape: an assistant's calls (its content null when it said nothing), a tool's answer. */
function wireMessage(message: ChatMessage): Record<string, unknown> {
  const { role, content, toolCalls, toolCallId } = message;
  if (toolCalls?.length) return { role, content: content === '' ? null : content, tool_calls: toolCalls };
  if (toolCallId !== undefined) return { role, content, tool_call_id: toolCallId };
  return { role, content };
}

export function buildChatBody(account: ProviderAccount, turn: TurnRequest): string {
  const stream = turn.stream !== false;
  const body: Record<string, unknown> = {
    model: turn.model,
    messages: turn.messages.map(wireMessage),
    stream,
  };
  // OpenAI refuses an empty list: no tools is sent as none.
  if (turn.tools?.tools.length) {
    body.tools = turn.tools.tools;
    if (turn.tools.choice !== undefined) body.tool_choice = turn.tools.choice;
    if (turn.tools.parallel !== undefined) body.parallel_tool_calls = turn.tools.parallel;
  }
  // A streamed reply reaches the caller delta by delta, with usage riding along at the end. A
  // caller that waits for the whole reply gets one JSON body: one parse instead of one per chunk.
  if (stream && account.options?.streamOptions !== false) body.stream_options = { include_usage: true };
  if (turn.responseFormat) body.response_format = turn.responseFormat;
  for (const key of SAMPLING_KEYS) {
    const value = turn.sampling?.[key];
    if (value !== undefined) body[key] = value;
  }
  return JSON.stringify(body);
}
