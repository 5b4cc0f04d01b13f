/**
 * A shortcut for stream chunks that differ only in their text. Many OpenAI-compatible servers
 * (vLLM, llama.cpp, Ollama, LM Studio) send every content chunk of a reply with the same bytes
 * around the text: the same id, model, created and fingerprint, the same keys in the same order.
 * Once one such chunk has been parsed in full, the bytes before and after its content string are
 * kept as a template. A later chunk made of exactly those bytes around one JSON string is that
 * chunk with another text, so only the string is parsed: about a quarter of the cost of the whole
 * chunk, and no objects built.
 *
 * Nothing is assumed about the servers: a template is kept only after a probe (the template with
 * another text in the slot) parses with that text as `delta.content`, and a chunk that does not
 * match byte for byte is parsed in full. OpenAI's own API adds a random
 * `obfuscation` field to every chunk by default, so its chunks do not match; a stream stops
 * learning after a few tries.
 */
import { isObject, type ChunkState, type Json } from './chunks.js';

export interface ChunkTemplate {
  prefix: string;
  suffix: string;
  /** The stream's ids (ChunkState.lastIds) when the template was learnt: a hit must not change them. */
  idsKey: string | undefined;
}

/** How many templates one stream may learn (each costs about two chunk parses). */
export const MAX_TEMPLATES_PER_STREAM = 2;

/**
 * The content string of a chunk that could serve as a template: text only, nothing else that
 * eventsFromChunk would report (same `isObject`, so a usage it counts is never skipped).
 */
function plainContent(payload: Json): string | undefined {
  if (payload.error || isObject(payload.usage)) return undefined;
  const choices = payload.choices;
  if (!Array.isArray(choices)) return undefined;
  const choice: unknown = choices[0];
  if (!isObject(choice) || typeof choice.finish_reason === 'string') return undefined;
  const delta = choice.delta;
  if (!isObject(delta) || typeof delta.content !== 'string' || delta.content === '') return undefined;
  return delta.content;
}

/** The first index at or after `i` that is not JSON whitespace. */
function skipSpace(raw: string, i: number): number {
  while (raw[i] === ' ' || raw[i] === '\t' || raw[i] === '\n' || raw[i] === '\r') i++;
  return i;
}

/** Where the last `"content": "…"` string of `raw` starts and ends (end exclusive). */
function contentLiteral(raw: string): { start: number; end: number } | undefined {
  const key = raw.lastIndexOf('"content"');
  if (key < 0) return undefined;
  const colon = skipSpace(raw, key + '"content"'.length);
  if (raw[colon] !== ':') return undefined;
  const start = skipSpace(raw, colon + 1);
  if (raw[start] !== '"') return undefined;
  for (let i = start + 1; i < raw.length; i++) {
    if (raw[i] === '\\') i++;
    else if (raw[i] === '"') return { start, end: i + 1 };
  }
  return undefined;
}

/**
 * A template from a chunk already parsed in full (`payload` is `JSON.parse(raw)`), or undefined
 * when this chunk cannot serve as one.
 */
export function learnTemplate(
  raw: string,
  payload: unknown,
  idsKey: string | undefined,
): ChunkTemplate | undefined {
  if (!isObject(payload)) return undefined;
  const content = plainContent(payload);
  if (content === undefined) return undefined;
  const slot = contentLiteral(raw);
  if (!slot) return undefined;
  const prefix = raw.slice(0, slot.start);
  const suffix = raw.slice(slot.end);
  const probeText = content === 'probe' ? 'other probe' : 'probe';
  let probe: unknown;
  try {
    probe = JSON.parse(prefix + JSON.stringify(probeText) + suffix);
  } catch {
    return undefined;
  }
  // The slot must be what delta.content is read from. The bytes around it are the learnt chunk's,
  // so every other value (ids, finish, usage) parses as it did there.
  if (!isObject(probe) || plainContent(probe) !== probeText) return undefined;
  return { prefix, suffix, idsKey };
}

/**
 * The text of a chunk that matches the template, or undefined (then parse it in full). The ends
 * are compared as slices with `===`, not with `startsWith`/`endsWith`: against a ~170-character
 * prefix those cost V8 (Node 20) about three times as much in a stream's loop (a 40-chunk reply
 * read and matched in 34 µs against 17.5, docs/performance-rounds.md, the thirteenth round).
 */
export function textFromTemplate(template: ChunkTemplate, raw: string): string | undefined {
  const { prefix, suffix } = template;
  const end = raw.length - suffix.length;
  if (end <= prefix.length || raw.slice(0, prefix.length) !== prefix || raw.slice(end) !== suffix)
    return undefined;
  // One JSON string and nothing else: then the chunk has the template's structure exactly.
  if (raw.charCodeAt(prefix.length) !== 0x22 || raw.charCodeAt(end - 1) !== 0x22) return undefined;
  try {
    const text: unknown = JSON.parse(raw.slice(prefix.length, end));
    return typeof text === 'string' ? text : undefined;
  } catch {
    return undefined;
  }
}

/** The text of a chunk that is the stream's template with another text (no ids, finish or usage). */
export function templateText(raw: string, state: ChunkState): string | undefined {
  const template = state.template;
  if (!template || template.idsKey !== state.lastIds) return undefined;
  return textFromTemplate(template, raw);
}

/** After a chunk was parsed in full (and its events taken): keep it as the template if it can be one. */
export function rememberTemplate(raw: string, payload: unknown, state: ChunkState): void {
  if (state.templatesLearnt >= MAX_TEMPLATES_PER_STREAM) return;
  const template = learnTemplate(raw, payload, state.lastIds);
  if (!template) return;
  state.template = template;
  state.templatesLearnt += 1;
}
