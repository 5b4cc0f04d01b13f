/**
 * Request bodies of /v1/chat/completions and /v1/responses. Unknown fields are dropped, so
 * anything naming an upstream (base URL, proxy, API key) never reaches the chat service.
 */
import { z } from 'zod';
import { badRequest } from '../../../errors.js';
import {
  SAMPLING_KEYS,
  type ChatMessage,
  type SamplingOptions,
  type ToolOptions,
} from '../../../upstream/types.js';

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

const schemaName = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and -, up to 64');

const toolCall = z.object({
  id: z.string().min(1).max(200),
  type: z.literal('function'),
  function: z.object({ name: z.string().min(1).max(64), arguments: z.string().max(1_000_000) }),
});

/** `tool` answers a function call (OpenAI kind only); an assistant message may carry its calls. */
const chatMessage = z
  .object({
    role: z.union([role, z.literal('tool')]),
    content: messageContent,
    tool_calls: optional(z.array(toolCall).max(128)),
    tool_call_id: optional(z.string().min(1).max(200)),
  })
  .refine((m) => m.role !== 'tool' || m.tool_call_id != null, {
    message: "a 'tool' message needs its 'tool_call_id'",
    path: ['tool_call_id'],
  });

/** Function tools, checked here and sent on as given (the upstream judges the JSON schemas). */
const functionTool = z.object({
  type: z.literal('function'),
  function: z.object({
    name: schemaName,
    description: optional(z.string().max(10_000)),
    parameters: optional(z.record(z.string(), z.unknown())),
    strict: optional(z.boolean()),
  }),
});

/** `text` is the default; the JSON ones are sent on to OpenAI-kind accounts. */
const responseFormat = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }),
  z.object({ type: z.literal('json_object') }),
  z.object({
    type: z.literal('json_schema'),
    json_schema: z.object({
      name: schemaName,
      description: optional(z.string().max(10_000)),
      schema: optional(z.record(z.string(), z.unknown())),
      strict: optional(z.boolean()),
    }),
  }),
]);

const toolChoice = z.union([
  z.enum(['none', 'auto', 'required']),
  z.object({ type: z.literal('function'), function: z.object({ name: z.string().min(1).max(64) }) }),
]);

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

/**
 * The two bodies are compiled by zod (`z.compile`: a parser generated from the schema, with the
 * runtime parser still reporting errors). What the runtime parser built on every request was
 * promoted by the scavenger; compiled, the server promoted a third as much per scavenge and
 * used ~7 % less CPU per request (docs/performance-rounds.md, the twelfth round).
 * `schemas-compiled.test.ts` checks that zod can still compile them whole.
 */
export const chatCompletionBody = z.compile(
  z.object({
    model,
    messages: z.array(chatMessage).min(1).max(1000),
    tools: optional(z.array(functionTool).max(128)),
    tool_choice: optional(toolChoice),
    parallel_tool_calls: optional(z.boolean()),
    response_format: optional(responseFormat),
    reasoning_effort: optional(z.enum(['minimal', 'low', 'medium', 'high'])),
    logit_bias: optional(
      z.record(z.string().regex(/^\d{1,9}$/, 'a token id'), z.number().min(-100).max(100)),
    ),
    // Not served, and refused rather than dropped: the answer would not be what the caller asked.
    n: optional(int.min(1).max(1, 'only n = 1 is served')),
    logprobs: optional(z.boolean().refine((value) => !value, 'logprobs are not served')),
    functions: optional(z.array(z.unknown()).max(0, 'the old functions fields are not served: use tools')),
    function_call: optional(z.unknown().refine(() => false, 'not served: use tool_choice')),
    // Audio output would change the answer's kind; text is all any account here returns.
    modalities: optional(
      z
        .array(z.string().max(20))
        .refine((kinds) => kinds.every((kind) => kind === 'text'), 'only text output is served'),
    ),
    audio: optional(z.unknown().refine(() => false, 'audio output is not served')),
    stream: optional(z.boolean()),
    stream_options: optional(z.object({ include_usage: optional(z.boolean()) })),
    max_tokens: optional(int.positive()),
    max_completion_tokens: optional(int.positive()),
    ...sampling,
  }),
);

export type ChatCompletionBody = z.infer<typeof chatCompletionBody>;

const inputItem = z.object({ type: z.literal('message').optional(), role, content: messageContent });

export const responsesBody = z.compile(
  z.object({
    model,
    input: z.union([z.string(), z.array(inputItem).min(1).max(1000)]),
    instructions: optional(z.string()),
    stream: optional(z.boolean()),
    previous_response_id: optional(z.string().min(1).max(400)),
    // Refused rather than dropped: a caller that offers tools must not get a plain answer silently.
    tools: optional(
      z.array(z.unknown()).max(0, 'function tools are supported on /v1/chat/completions, not here'),
    ),
    max_output_tokens: optional(int.positive()),
    ...sampling,
  }),
);

export type ResponsesBody = z.infer<typeof responsesBody>;

type BodyMessage = ChatCompletionBody['messages'][number];

const usesTools = (m: BodyMessage): boolean => m.role === 'tool' || (m.tool_calls?.length ?? 0) > 0;

/**
 * The messages as the chat service takes them. Without function calls (the usual case) the
 * parsed list is used as it is: no second object per message.
 */
export function chatMessages(messages: BodyMessage[]): { messages: ChatMessage[]; usesTools: boolean } {
  if (!messages.some(usesTools)) return { messages, usesTools: false };
  const mapped = messages.map(({ role, content, tool_calls, tool_call_id }): ChatMessage => {
    if (role === 'tool') return { role, content, toolCallId: tool_call_id ?? '' };
    return tool_calls?.length ? { role, content, toolCalls: tool_calls } : { role, content };
  });
  return { messages: mapped, usesTools: true };
}

/** The body's tools, or undefined when it offers none. */
export function toolsFrom(body: ChatCompletionBody): ToolOptions | undefined {
  if (!body.tools?.length) {
    // As OpenAI answers: a choice among no tools is a mistake worth telling, not dropping.
    for (const field of ['tool_choice', 'parallel_tool_calls'] as const)
      if (body[field] != null) throw badRequest(`'${field}' is only allowed when 'tools' are given`, field);
    return undefined;
  }
  return {
    tools: body.tools,
    ...(body.tool_choice != null && { choice: body.tool_choice }),
    ...(body.parallel_tool_calls != null && { parallel: body.parallel_tool_calls }),
  };
}

/** A JSON response format, or undefined for text (the default). */
export function responseFormatFrom(body: ChatCompletionBody): Readonly<Record<string, unknown>> | undefined {
  const format = body.response_format;
  return format == null || format.type === 'text' ? undefined : format;
}

/** Sampling options as a body carries them: null means not set. */
type SamplingFields = { [K in keyof SamplingOptions]?: SamplingOptions[K] | null };

/**
 * Only the options an OpenAI-kind upstream understands; ChatGPT-web accounts ignore them.
 * `maxTokens` is the route's own field for it (max_completion_tokens, max_output_tokens).
 * A plain loop: this runs on every call, and a spread copy of the body per call added up.
 */
export function samplingFrom(
  body: SamplingFields,
  maxTokens: number | null | undefined,
): SamplingOptions | undefined {
  let set: Record<string, unknown> | undefined;
  for (const key of SAMPLING_KEYS) {
    const value = key === 'max_tokens' ? maxTokens : body[key];
    if (value != null) (set ??= {})[key] = value;
  }
  return set as SamplingOptions | undefined;
}

/** The new prompt of an OpenAI-style call: its last user message. */
export function lastUserMessage(messages: readonly ChatMessage[], field: string): string {
  for (let i = messages.length - 1; i >= 0; i -= 1) {
    const message = messages[i];
    if (message?.role === 'user') return message.content;
  }
  throw badRequest(`'${field}' must contain a user message`, field);
}
