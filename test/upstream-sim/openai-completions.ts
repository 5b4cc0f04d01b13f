/** Builds chat.completion bodies and chat.completion.chunk frames for a request. */
import { SIM_CUTOFF_MARKER, countTokens, simulatedReply, splitForCutoff, splitIntoChunks } from './reply.js';
import { DONE_FRAME, dataFrame } from './sse.js';
import type { SseFrame } from './sse.js';
import { planTools, type SimToolCall } from './openai-tools.js';

export interface CompletionPlan {
  model: string;
  text: string;
  finishReason: 'stop' | 'length' | 'tool_calls';
  /** The reply is these function calls instead of text (see openai-tools.ts). */
  toolCalls?: SimToolCall[];
  promptTokens: number;
  completionTokens: number;
  stream: boolean;
  includeUsage: boolean;
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part: unknown) => {
      const p = part as { type?: unknown; text?: unknown } | null;
      return p?.type === 'text' && typeof p.text === 'string' ? p.text : '';
    })
    .join('');
}

const JSON_WORD_MISSING =
  "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.";

/**
 * JSON mode (`json_object`, `json_schema`): the reply becomes `{"reply": …}`. As OpenAI does,
 * `json_object` needs the word "json" somewhere in the messages.
 */
function jsonFormat(format: unknown, messages: { content?: unknown }[]): boolean | 'error' {
  const type = (format as { type?: unknown } | null | undefined)?.type;
  if (type !== 'json_object' && type !== 'json_schema') return false;
  const mentioned = messages.some((m) => /json/i.test(contentText(m.content)));
  return type === 'json_object' && !mentioned ? 'error' : true;
}

/** Parses a request body into a plan, or returns an error message for a 400. */
export function planCompletion(body: Record<string, unknown>): CompletionPlan | string {
  if (typeof body.model !== 'string' || !body.model) return 'you must provide a model parameter';
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) return "'messages' must be a non-empty array";
  let prompt = '';
  let assistantTurns = 0;
  let promptTokens = 0;
  for (const raw of messages) {
    const message = raw as { role?: unknown; content?: unknown; tool_calls?: unknown } | null;
    if (!message || typeof message.role !== 'string') return "each message must have a 'role'";
    const text = contentText(message.content);
    promptTokens += countTokens(text) + 4;
    if (message.role === 'user') prompt = text;
    if (message.role === 'assistant' && !Array.isArray(message.tool_calls)) assistantTurns += 1;
  }
  const tools = planTools(body, messages as Record<string, unknown>[], prompt);
  if (typeof tools === 'string') return tools;
  const streamOptions = body.stream_options as { include_usage?: unknown } | undefined;
  const common = {
    model: body.model,
    promptTokens,
    stream: body.stream === true,
    includeUsage: streamOptions?.include_usage === true,
  };
  if (tools && 'calls' in tools) {
    const tokens = tools.calls.reduce((sum, call) => sum + countTokens(call.arguments), 0);
    const finishReason = 'tool_calls';
    return { ...common, text: '', finishReason, toolCalls: tools.calls, completionTokens: tokens };
  }
  const said = tools ? `The tool answered: ${tools.toolAnswer}` : simulatedReply(prompt, assistantTurns);
  const format = jsonFormat(body.response_format, messages as { content?: unknown }[]);
  if (format === 'error') return JSON_WORD_MISSING;
  const full = format ? JSON.stringify({ reply: said }) : said;
  const cut = prompt.includes(SIM_CUTOFF_MARKER);
  const text = cut ? splitForCutoff(full).first : full;
  return {
    ...common,
    text,
    finishReason: cut ? 'length' : 'stop',
    completionTokens: countTokens(text),
  };
}

const wireCall = (call: SimToolCall) => ({
  id: call.id,
  type: 'function',
  function: { name: call.name, arguments: call.arguments },
});

function usage(plan: CompletionPlan): Record<string, unknown> {
  return {
    prompt_tokens: plan.promptTokens,
    completion_tokens: plan.completionTokens,
    total_tokens: plan.promptTokens + plan.completionTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0 },
  };
}

/**
 * The body after `"created":N,`, so a cached suffix can be reused with a fresh id and time.
 * JSON.stringify of the rest, without its opening brace.
 */
export function completionBodySuffix(plan: CompletionPlan): string {
  const rest = {
    model: plan.model,
    choices: [
      {
        index: 0,
        message: plan.toolCalls
          ? {
              role: 'assistant',
              content: null,
              tool_calls: plan.toolCalls.map(wireCall),
              refusal: null,
              annotations: [],
            }
          : { role: 'assistant', content: plan.text, refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: plan.finishReason,
      },
    ],
    usage: usage(plan),
    service_tier: 'default',
    system_fingerprint: 'fp_sim',
  };
  return JSON.stringify(rest).slice(1);
}

export function completionBodyPrefix(id: string, created: number): string {
  return `{"id":"${id}","object":"chat.completion","created":${created},`;
}

export function completionFrames(input: {
  plan: CompletionPlan;
  id: string;
  created: number;
  chunks: number;
}): SseFrame[] {
  const { plan, id, created } = input;
  const base = {
    id,
    object: 'chat.completion.chunk',
    created,
    model: plan.model,
    system_fingerprint: 'fp_sim',
  };
  const extra = plan.includeUsage ? { usage: null } : {};
  const chunk = (delta: Record<string, unknown>, finish: string | null): Record<string, unknown> => ({
    ...base,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...extra,
  });
  const frames: SseFrame[] = [];
  if (plan.toolCalls) {
    // As OpenAI streams calls: a piece with the id and name (the first with the role), then the arguments.
    plan.toolCalls.forEach((call, index) => {
      const head = { index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } };
      const role = index === 0 ? { role: 'assistant', content: null } : {};
      frames.push(dataFrame(chunk({ ...role, tool_calls: [head] }, null), undefined, true));
      for (const piece of splitIntoChunks(call.arguments, input.chunks)) {
        const part = { tool_calls: [{ index, function: { arguments: piece } }] };
        frames.push(dataFrame(chunk(part, null), undefined, true));
      }
    });
  } else {
    frames.push(dataFrame(chunk({ role: 'assistant', content: '', refusal: null }, null)));
    for (const piece of splitIntoChunks(plan.text, input.chunks)) {
      frames.push(dataFrame(chunk({ content: piece }, null), undefined, true));
    }
  }
  frames.push(dataFrame(chunk({}, plan.finishReason)));
  if (plan.includeUsage) frames.push(dataFrame({ ...base, choices: [], usage: usage(plan) }));
  frames.push(DONE_FRAME);
  return frames;
}
