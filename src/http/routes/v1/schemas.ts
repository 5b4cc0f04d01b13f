/**
 * Request bodies of /v1/chat/completions and /v1/responses. Unknown fields are dropped, so
 * anything naming an upstream (base URL, proxy, API key) never reaches the chat service.
 */
import { z } from 'zod';
import { badRequest } from '../../../errors.js';
import { SAMPLING_KEYS, type ChatMessage, type SamplingOptions } from '../../../upstream/types.js';

/**
 * null is what many clients send for "not set", so it is accepted and read as absent (`??`,
 * `!= null`). No transform maps it to undefined: with one per optional field, the body's parse
 * left ~2.3 KB per request for the old generation (measured, docs/PERFORMANCE.md).
 */
const optional = <T extends z.ZodType>(schema: T) => schema.nullish();

const TEXT_PARTS = new Set(['text', 'input_text', 'output_text']);

/** A string, or a list of text parts joined by newlines; images, audio and files are refused. */
const messageContent = z.unknown().transform((value, ctx): string => {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (!Array.isArray(value)) {
    ctx.addIssue({ code: 'custom', message: 'expected a string or a list of text parts' });
    return z.NEVER;
  }
  const texts: string[] = [];
  for (const [index, part] of value.entries()) {
    const record = (part ?? {}) as { type?: unknown; text?: unknown };
    if (typeof record.type === 'string' && TEXT_PARTS.has(record.type) && typeof record.text === 'string') {
      texts.push(record.text);
      continue;
    }
    const type = typeof record.type === 'string' ? record.type.slice(0, 40) : 'unknown';
    ctx.addIssue({
      code: 'custom',
      path: [index],
      message: `only text content parts are supported, not '${type}'`,
    });
    return z.NEVER;
  }
  return texts.join('\n');
});

/** `developer` is the newer name of `system`. */
const role = z
  .enum(['system', 'developer', 'user', 'assistant'])
  .transform((value): ChatMessage['role'] => (value === 'developer' ? 'system' : value));

const message = z.object({ role, content: messageContent });

const model = z.string().trim().min(1).max(200);
const int = z.number().int();
const sampling = {
  temperature: optional(z.number().min(0).max(2)),
  top_p: optional(z.number().min(0).max(1)),
  stop: optional(z.union([z.string(), z.array(z.string()).max(4)])),
  presence_penalty: optional(z.number().min(-2).max(2)),
  frequency_penalty: optional(z.number().min(-2).max(2)),
  seed: optional(int),
  user: optional(z.string().max(256)),
};

export const chatCompletionBody = z.object({
  model,
  messages: z.array(message).min(1).max(1000),
  stream: optional(z.boolean()),
  stream_options: optional(z.object({ include_usage: optional(z.boolean()) })),
  max_tokens: optional(int.positive()),
  max_completion_tokens: optional(int.positive()),
  ...sampling,
});

export type ChatCompletionBody = z.infer<typeof chatCompletionBody>;

const inputItem = z.object({ type: z.literal('message').optional(), role, content: messageContent });

export const responsesBody = z.object({
  model,
  input: z.union([z.string(), z.array(inputItem).min(1).max(1000)]),
  instructions: optional(z.string()),
  stream: optional(z.boolean()),
  previous_response_id: optional(z.string().min(1).max(400)),
  max_output_tokens: optional(int.positive()),
  ...sampling,
});

export type ResponsesBody = z.infer<typeof responsesBody>;

/** Sampling options as a body carries them: null means not set. */
type SamplingFields = { [K in keyof SamplingOptions]?: SamplingOptions[K] | null };

/** Only the options an OpenAI-kind upstream understands; ChatGPT-web accounts ignore them. */
export function samplingFrom(body: SamplingFields): SamplingOptions | undefined {
  const set = SAMPLING_KEYS.filter((key) => body[key] != null).map((key) => [key, body[key]]);
  return set.length > 0 ? (Object.fromEntries(set) as SamplingOptions) : undefined;
}

/** The new prompt of an OpenAI-style call: its last user message. */
export function lastUserMessage(messages: readonly ChatMessage[], field: string): string {
  const last = [...messages].reverse().find((m) => m.role === 'user');
  if (!last) throw badRequest(`'${field}' must contain a user message`, field);
  return last.content;
}
