/**
 * The "openai" upstream kind: any OpenAI-compatible Chat Completions API (OpenAI, Azure,
 * Ollama, vLLM, llama.cpp, LM Studio) reached with an API key.
 *
 * Account options (ProviderAccount.options):
 *   - streamOptions: false — omit `stream_options` for servers that reject unknown fields.
 */
import {
  UpstreamError,
  type ModelInfo,
  type Provider,
  type ProviderAccount,
  type TurnEvent,
  type TurnRequest,
} from '../types.js';
import { badResponse, errorFromHttpResponse, errorFromThrown, parseErrorBody } from './errors.js';
import {
  eventsFromChunk,
  eventsFromCompletion,
  MalformedPayloadError,
  newChunkState,
  type ChunkState,
} from './chunks.js';
import { rememberTemplate, templateText } from './chunk-template.js';
import { callAccount, type UpstreamResponse } from '../http/call.js';
import { readSseBatches, type SseEvent } from '../http/sse.js';
import { buildChatBody } from './request-body.js';
import { redact } from '../../redact.js';

/** Error bodies are read only this far: they are for a message, not for content. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;

function headerValue(headers: UpstreamResponse['headers'], name: string): string {
  const value = headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

async function send(
  account: ProviderAccount,
  input: { method: 'GET' | 'POST'; path: string; body?: string; signal: AbortSignal },
): Promise<UpstreamResponse> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${account.secret}`,
    accept: 'text/event-stream, application/json',
  };
  if (input.body !== undefined) headers['content-type'] = 'application/json';
  if (account.userAgent) headers['user-agent'] = account.userAgent;
  let response: UpstreamResponse;
  try {
    response = await callAccount(account, {
      method: input.method,
      path: input.path,
      headers,
      body: input.body,
      signal: input.signal,
    });
  } catch (error) {
    throw errorFromThrown(account, error, { signal: input.signal, afterFirstByte: false, step: input.path });
  }
  if (response.statusCode >= 400) {
    const bodyText = await response.body.textUpTo(MAX_ERROR_BODY_BYTES);
    throw errorFromHttpResponse(account, {
      statusCode: response.statusCode,
      headers: response.headers,
      bodyText,
    });
  }
  return response;
}

function parseJson(account: ProviderAccount, text: string, afterFirstByte: boolean): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw badResponse(account, `malformed JSON from upstream: ${text.slice(0, 80)}`, afterFirstByte);
  }
}

/** Some servers report a failure inside a 200 stream as `data: {"error": …}`. */
function throwIfStreamError(account: ProviderAccount, payload: unknown, afterFirstByte: boolean): void {
  if (typeof payload !== 'object' || payload === null || !('error' in payload) || !payload.error) return;
  const parsed = parseErrorBody(JSON.stringify(payload));
  const message = redact(parsed.message ?? 'unspecified error', [account.secret]).slice(0, 300);
  throw new UpstreamError(
    'upstream_error',
    `OpenAI-compatible account "${account.name}": error in stream: ${message}`,
    {
      account: account.name,
      afterFirstByte,
      upstreamCode: parsed.code ?? parsed.type,
    },
  );
}

/**
 * The turn events of one network chunk's SSE events, from `from` on. Consecutive deltas are
 * joined: text that arrived together goes on together, one event (and one frame to the caller)
 * instead of many. Only the turn's first text goes on alone, before the rest of its batch is
 * parsed: the caller's first byte should not wait for a whole reply that arrived at once. `next`
 * is where the caller resumes. A bad event ends the batch: the events before it still go out,
 * then the error.
 */
function chunkEvents(
  account: ProviderAccount,
  batch: SseEvent[],
  from: number,
  ctx: { state: ChunkState; done: boolean; progress: { afterFirstByte: boolean } },
): { events: TurnEvent[]; next: number; error?: unknown } {
  const events: TurnEvent[] = [];
  const addText = (text: string): void => {
    // Counted now: this delta reaches the caller before any error found later in the batch.
    ctx.progress.afterFirstByte = true;
    const last = events.at(-1);
    if (last?.type === 'delta') last.text += text;
    else events.push({ type: 'delta', text });
  };
  const firstText = !ctx.progress.afterFirstByte;
  for (let at = from; at < batch.length; at++) {
    if (firstText && ctx.progress.afterFirstByte) return { events, next: at };
    const sse = batch[at] as SseEvent;
    if (sse.data.trim() === '[DONE]') {
      // Read on to the end of the body rather than break: leaving the iterator early destroys
      // the socket (no keep-alive reuse) and costs an AbortError with a stack trace per turn.
      ctx.done = true;
      continue;
    }
    if (ctx.done) continue;
    const text = templateText(sse.data, ctx.state);
    if (text !== undefined) {
      if (text !== '') addText(text);
      continue;
    }
    try {
      const payload = parseJson(account, sse.data, ctx.progress.afterFirstByte);
      throwIfStreamError(account, payload, ctx.progress.afterFirstByte);
      for (const event of eventsFromChunk(payload, ctx.state)) {
        if (event.type === 'delta') addText(event.text);
        else {
          // A piece of a function call reaches the caller like text: no failover after it.
          if (event.type === 'tool_call') ctx.progress.afterFirstByte = true;
          events.push(event);
        }
      }
      rememberTemplate(sse.data, payload, ctx.state);
    } catch (error) {
      if (error instanceof MalformedPayloadError)
        return {
          events,
          next: batch.length,
          error: badResponse(account, error.message, ctx.progress.afterFirstByte),
        };
      return { events, next: batch.length, error };
    }
  }
  return { events, next: batch.length };
}

async function* streamEvents(
  account: ProviderAccount,
  chunks: AsyncIterable<Uint8Array | string>,
  progress: { afterFirstByte: boolean },
): AsyncGenerator<TurnEvent> {
  const ctx = { state: newChunkState(), done: false, progress };
  for await (const batch of readSseBatches(chunks)) {
    for (let from = 0; from < batch.length;) {
      const { events, next, error } = chunkEvents(account, batch, from, ctx);
      // A loop, not `yield*`: over an array, `yield*` adds an async-from-sync iterator and its
      // promises to every event (see docs/DESIGN.md).
      for (const event of events) yield event;
      if (error !== undefined) throw error;
      from = next;
    }
  }
  if (!ctx.done && ctx.state.finish === undefined) {
    throw badResponse(account, 'the stream ended before the reply was complete', progress.afterFirstByte);
  }
  yield { type: 'finish', reason: ctx.state.finish ?? 'stop' };
}

function completionEvents(account: ProviderAccount, text: string): TurnEvent[] {
  const trimmed = text.trim();
  const payload = parseJson(account, trimmed, false);
  throwIfStreamError(account, payload, false);
  try {
    return eventsFromCompletion(payload);
  } catch (error) {
    if (error instanceof MalformedPayloadError) throw badResponse(account, error.message, false);
    throw error;
  }
}

async function* textAsStream(text: string): AsyncGenerator<string> {
  yield text;
}

async function* streamTurn(account: ProviderAccount, turn: TurnRequest): AsyncGenerator<TurnEvent> {
  const progress = { afterFirstByte: false };
  const response = await send(account, {
    method: 'POST',
    path: '/chat/completions',
    body: buildChatBody(account, turn),
    signal: turn.signal,
  });
  let finished = false;
  try {
    const contentType = headerValue(response.headers, 'content-type');
    if (contentType.includes('text/event-stream')) {
      yield* streamEvents(account, response.body, progress);
    } else {
      // Servers that ignore `stream: true` answer with one JSON completion (sometimes mislabelled).
      const text = await response.body.text();
      if (text.trimStart().startsWith('{')) {
        for (const event of completionEvents(account, text)) yield event;
      } else yield* streamEvents(account, textAsStream(text), progress);
    }
    finished = true;
  } catch (error) {
    throw errorFromThrown(account, error, {
      signal: turn.signal,
      afterFirstByte: progress.afterFirstByte,
      step: 'reading the reply',
    });
  } finally {
    // The caller stopped early (or we failed): drop the connection so the upstream stops generating.
    if (!finished && !response.body.destroyed) response.body.destroy();
  }
}

async function listModels(account: ProviderAccount, signal: AbortSignal): Promise<ModelInfo[]> {
  const response = await send(account, { method: 'GET', path: '/models', signal });
  let text: string;
  try {
    text = await response.body.text();
  } catch (error) {
    throw errorFromThrown(account, error, { signal, afterFirstByte: false, step: '/models' });
  }
  const payload = parseJson(account, text, false) as { data?: unknown };
  if (!Array.isArray(payload?.data)) throw badResponse(account, 'the model list has no "data" array', false);
  return payload.data.flatMap((entry: unknown): ModelInfo[] => {
    const id = (entry as { id?: unknown } | null)?.id;
    return typeof id === 'string' && id ? [{ id }] : [];
  });
}

export function createOpenAiProvider(): Provider {
  return {
    kind: 'openai',
    streamTurn,
    listModels,
    // History lives with the caller for this kind: nothing to hide upstream.
    deleteConversation: async () => undefined,
  };
}
