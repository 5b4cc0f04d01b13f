/**
 * Maps OpenAI-compatible payloads (stream chunks and whole completions) to TurnEvents.
 * Shapes are checked loosely: servers differ in the optional fields they send.
 */
import type { FinishReason, ToolCallDelta, TurnEvent } from '../types.js';
import type { ChunkTemplate } from './chunk-template.js';

export type Json = Record<string, unknown>;

/** What these payloads count as an object (arrays included, as before: shapes are checked loosely). */
export const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null;
const optionalNumber = (value: unknown): number | undefined =>
  typeof value === 'number' ? value : undefined;

export class MalformedPayloadError extends Error {}

export function mapFinishReason(reason: string): FinishReason {
  switch (reason) {
    case 'stop':
    case 'length':
    case 'content_filter':
    case 'tool_calls':
      return reason;
    case 'function_call':
      return 'tool_calls';
    default:
      return 'other';
  }
}

/** Per-stream state: ids are reported once (again only if they change), finish is held to the end. */
export interface ChunkState {
  lastIds: string | undefined;
  finish: FinishReason | undefined;
  /** The bytes around the text of this stream's content chunks (see chunk-template.ts). */
  template?: ChunkTemplate;
  templatesLearnt: number;
}

export const newChunkState = (): ChunkState => ({
  lastIds: undefined,
  finish: undefined,
  templatesLearnt: 0,
});

function idsEvent(payload: Json, state: ChunkState): TurnEvent | undefined {
  const messageId = typeof payload.id === 'string' && payload.id ? payload.id : undefined;
  const model = typeof payload.model === 'string' && payload.model ? payload.model : undefined;
  if (!messageId && !model) return undefined;
  const key = `${messageId ?? ''}\u0000${model ?? ''}`;
  if (key === state.lastIds) return undefined;
  state.lastIds = key;
  return { type: 'ids', ...(messageId ? { messageId } : {}), ...(model ? { model } : {}) };
}

function usageEvent(usage: unknown): TurnEvent | undefined {
  if (!isObject(usage)) return undefined;
  return {
    type: 'usage',
    promptTokens: optionalNumber(usage.prompt_tokens),
    completionTokens: optionalNumber(usage.completion_tokens),
    totalTokens: optionalNumber(usage.total_tokens),
  };
}

function firstChoice(payload: Json): Json | undefined {
  const { choices } = payload;
  if (choices === undefined || choices === null) return undefined;
  if (!Array.isArray(choices)) throw new MalformedPayloadError('"choices" is not an array');
  const first: unknown = choices[0];
  if (first === undefined) return undefined;
  if (!isObject(first)) throw new MalformedPayloadError('a choice is not an object');
  return first;
}

/** OpenAI takes at most 128 tools; a call index beyond this is a broken stream, not a big array. */
const MAX_TOOL_CALLS = 1024;

/**
 * Pieces of function calls: a delta's (streamed, by `index`) or a whole message's (by position).
 * Each piece passes on as it came; the chat service joins them per index.
 */
function toolCallEvents(value: unknown, events: TurnEvent[], whole = false): void {
  if (value === undefined || value === null) return;
  if (!Array.isArray(value)) throw new MalformedPayloadError('"tool_calls" is not an array');
  value.forEach((raw: unknown, position) => {
    if (!isObject(raw)) throw new MalformedPayloadError('a tool call is not an object');
    const fn = isObject(raw.function) ? raw.function : {};
    // A whole message's calls are complete, one per entry, whatever index a server put in them.
    const index = whole || raw.index === undefined ? position : raw.index;
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= MAX_TOOL_CALLS)
      throw new MalformedPayloadError('a tool call has no usable index');
    const event: ToolCallDelta = { type: 'tool_call', index };
    if (typeof raw.id === 'string' && raw.id) event.id = raw.id;
    if (typeof fn.name === 'string' && fn.name) event.name = fn.name;
    if (typeof fn.arguments === 'string' && fn.arguments) event.arguments = fn.arguments;
    events.push(event);
  });
}

/** Events of one `chat.completion.chunk`. The finish reason is kept in `state`, not returned. */
export function eventsFromChunk(payload: unknown, state: ChunkState): TurnEvent[] {
  if (!isObject(payload)) throw new MalformedPayloadError('a stream chunk is not a JSON object');
  const events: TurnEvent[] = [];
  const ids = idsEvent(payload, state);
  if (ids) events.push(ids);
  const choice = firstChoice(payload);
  if (choice) {
    const delta = choice.delta;
    if (delta !== undefined && delta !== null && !isObject(delta)) {
      throw new MalformedPayloadError('"delta" is not an object');
    }
    const content = delta?.content;
    if (typeof content === 'string' && content !== '') events.push({ type: 'delta', text: content });
    toolCallEvents(delta?.tool_calls, events);
    if (typeof choice.finish_reason === 'string') state.finish = mapFinishReason(choice.finish_reason);
  }
  const usage = usageEvent(payload.usage);
  if (usage) events.push(usage);
  return events;
}

/** Events of a whole (non-streamed) `chat.completion`, finish included, in stream order. */
export function eventsFromCompletion(payload: unknown): TurnEvent[] {
  if (!isObject(payload)) throw new MalformedPayloadError('the completion is not a JSON object');
  const state = newChunkState();
  const events: TurnEvent[] = [];
  const ids = idsEvent(payload, state);
  if (ids) events.push(ids);
  const choice = firstChoice(payload);
  if (!choice) throw new MalformedPayloadError('the completion has no choices');
  const message = choice.message;
  if (!isObject(message)) throw new MalformedPayloadError('the completion has no message');
  if (typeof message.content === 'string' && message.content !== '') {
    events.push({ type: 'delta', text: message.content });
  }
  toolCallEvents(message.tool_calls, events, true);
  const usage = usageEvent(payload.usage);
  if (usage) events.push(usage);
  const reason = typeof choice.finish_reason === 'string' ? mapFinishReason(choice.finish_reason) : 'stop';
  events.push({ type: 'finish', reason });
  return events;
}
