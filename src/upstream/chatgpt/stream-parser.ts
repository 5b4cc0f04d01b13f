/**
 * Turns ChatGPT SSE events into TurnEvents. Both encodings end up in one document (`root`,
 * shaped like a cumulative event: {message, conversation_id, error}); after every event the
 * reply text of the current message is compared with what was already emitted for that message
 * id, so cumulative snapshots, delta appends and continued replies all yield only new text.
 */
import { UpstreamError } from '../types.js';
import type { FinishReason, TurnEvent } from '../types.js';
import { classifyStreamError } from './errors.js';
import { applyDeltaOperation, isJsonObject } from './json-patch.js';
import type { JsonObject } from './json-patch.js';
import type { SseEvent } from '../http/sse.js';

const CITATION_MARKERS = /[\uE200-\uE206]/g;

export function mapFinishReason(finishType: string | undefined): FinishReason {
  if (finishType === undefined || finishType === 'stop') return 'stop';
  if (finishType === 'max_tokens') return 'length';
  return 'other';
}

const stringAt = (value: unknown, key: string): string | undefined => {
  const field = isJsonObject(value) ? value[key] : undefined;
  return typeof field === 'string' ? field : undefined;
};

/** The batch's last text append: what a following short form most likely extends. */
function lastTextOperation(batch: unknown[]): { path: string; op: string } | undefined {
  const operations = batch.filter(isJsonObject);
  const last =
    [...operations]
      .reverse()
      .find((operation) => operation.o === 'append' && typeof operation.v === 'string') ?? operations.at(-1);
  if (!last) return undefined;
  return {
    path: typeof last.p === 'string' ? last.p : '',
    op: typeof last.o === 'string' ? last.o : 'append',
  };
}

export class ChatGptStreamParser {
  conversationId: string | undefined;
  /** Id of the last assistant message: the parent of a follow-up. */
  messageId: string | undefined;
  model: string | undefined;
  title: string | undefined;
  /** finish_details.type of the last reply message, e.g. 'stop' or 'max_tokens'. */
  finishType: string | undefined;
  /** True once [DONE] or message_stream_complete arrived: the reply is whole. */
  complete = false;
  /** True once [DONE] arrived: nothing more will follow. */
  done = false;

  private root: JsonObject = {};
  private lastPath = '';
  private lastOp = 'append';
  private lastPatchOperation: { path: string; op: string } | undefined;
  private readonly emittedLengthByMessage = new Map<string, number>();
  /** The ids last reported, compared field by field on every event. */
  private reported: { conversationId?: string; messageId?: string; model?: string } = {};

  /** Prepares for the stream of an `action: "continue"` send; emitted lengths are kept. */
  startNextStream(): void {
    this.complete = false;
    this.done = false;
    this.finishType = undefined;
    this.root = {};
  }

  handle(event: SseEvent): TurnEvent[] {
    const data = event.data.trim();
    if (event.event === 'delta_encoding' || data === '') return [];
    if (data === '[DONE]') {
      this.complete = true;
      this.done = true;
      return [];
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch (error) {
      throw new UpstreamError('bad_response', 'malformed JSON in reply stream', { cause: error });
    }
    if (!isJsonObject(parsed)) return [];
    if (parsed.error !== undefined && parsed.error !== null) throw classifyStreamError(parsed.error);

    const events: TurnEvent[] = [];
    if (typeof parsed.type === 'string' && !('v' in parsed)) this.handleTypedEvent(parsed, events);
    else if ('message' in parsed) this.root = parsed;
    else if ('v' in parsed || 'o' in parsed) this.applyDelta(parsed);
    else return [];

    if (this.root.error !== undefined && this.root.error !== null) throw classifyStreamError(this.root.error);
    this.collectMessage(events);
    this.collectIds(events);
    return events;
  }

  private handleTypedEvent(event: JsonObject, events: TurnEvent[]): void {
    const conversationId = stringAt(event, 'conversation_id');
    if (conversationId) this.conversationId = conversationId;
    if (event.type === 'message_stream_complete') this.complete = true;
    if (event.type === 'title_generation') {
      const title = stringAt(event, 'title');
      if (title) {
        this.title = title;
        events.push({ type: 'title', title });
      }
    }
  }

  private applyDelta(event: JsonObject): void {
    let path = typeof event.p === 'string' ? event.p : this.lastPath;
    let op = typeof event.o === 'string' ? event.o : this.lastOp;
    // A short form after a patch batch continues the batch's last operation (usually the text).
    if (typeof event.o !== 'string' && op === 'patch' && !Array.isArray(event.v) && this.lastPatchOperation) {
      ({ path, op } = this.lastPatchOperation);
    }
    this.lastPath = path;
    this.lastOp = op;
    if (op === 'patch' && Array.isArray(event.v)) this.lastPatchOperation = lastTextOperation(event.v);
    this.root = applyDeltaOperation(this.root, { path, op, value: event.v });
  }

  private collectMessage(events: TurnEvent[]): void {
    const conversationId = stringAt(this.root, 'conversation_id');
    if (conversationId) this.conversationId = conversationId;
    const message = this.root.message;
    if (!isJsonObject(message) || stringAt(message.author, 'role') !== 'assistant') return;
    const id = stringAt(message, 'id');
    if (id) this.messageId = id;
    const metadata = isJsonObject(message.metadata) ? message.metadata : {};
    this.model = stringAt(metadata, 'model_slug') ?? this.model;
    const content = message.content;
    const recipient = stringAt(message, 'recipient');
    if (recipient !== 'all' || stringAt(content, 'content_type') !== 'text' || !isJsonObject(content)) return;
    const finishType = stringAt(metadata.finish_details, 'type');
    if (finishType) this.finishType = finishType;
    const parts = Array.isArray(content.parts) ? content.parts : [];
    const text = typeof parts[0] === 'string' ? parts[0] : '';
    const key = id ?? '';
    const emitted = this.emittedLengthByMessage.get(key) ?? 0;
    this.emittedLengthByMessage.set(key, text.length);
    if (text.length <= emitted) return;
    const delta = text.slice(emitted).replace(CITATION_MARKERS, '');
    if (delta) events.push({ type: 'delta', text: delta });
  }

  private collectIds(events: TurnEvent[]): void {
    const { conversationId, messageId, model, reported } = this;
    if (!conversationId && !messageId && !model) return;
    if (
      conversationId === reported.conversationId &&
      messageId === reported.messageId &&
      model === reported.model
    )
      return;
    this.reported = { conversationId, messageId, model };
    const ids: TurnEvent & { type: 'ids' } = { type: 'ids' };
    if (this.conversationId) ids.conversationId = this.conversationId;
    if (this.messageId) ids.messageId = this.messageId;
    if (this.model) ids.model = this.model;
    events.push(ids);
  }
}

/**
 * The turn events of one network chunk's SSE events. Consecutive texts are joined: text that
 * arrived together goes on together, one event (and one frame to the caller) instead of one per
 * SSE event, as the OpenAI-compatible provider does. Only the turn's first text goes on alone,
 * before the rest of the batch is parsed: the caller's first byte should not wait for a whole
 * reply that arrived at once. A bad event still lets the text before it go out, then throws.
 * Nothing after [DONE] is read.
 */
export function* batchTurnEvents(
  parser: ChatGptStreamParser,
  batch: readonly SseEvent[],
  progress: { textSent: boolean },
): Generator<TurnEvent, void, undefined> {
  let text = '';
  try {
    for (const sse of batch) {
      for (const event of parser.handle(sse)) {
        if (event.type === 'delta' && progress.textSent) {
          text += event.text;
          continue;
        }
        if (text) {
          yield { type: 'delta', text };
          text = '';
        }
        if (event.type === 'delta') progress.textSent = true;
        yield event;
      }
      if (parser.done) break;
    }
  } catch (error) {
    if (text) yield { type: 'delta', text };
    throw error;
  }
  if (text) yield { type: 'delta', text };
}
