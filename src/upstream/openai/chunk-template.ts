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

type Json = Record<string, unknown>;

export interface ChunkTemplate {
  prefix: string;
  suffix: string;
  /** The stream's ids (ChunkState.lastIds) when the template was learnt: a hit must not change them. */
  idsKey: string | undefined;
}

/** How many templates one stream may learn (each costs about two chunk parses). */
export const MAX_TEMPLATES_PER_STREAM = 2;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The content string of a chunk that could serve as a template: text only, nothing else to report. */
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

/** Where the last `"content": "…"` string of `raw` starts and ends (end exclusive). */
function contentLiteral(raw: string): { start: number; end: number } | undefined {
  const key = raw.lastIndexOf('"content"');
  if (key < 0) return undefined;
  let i = key + '"content"'.length;
  while (raw[i] === ' ' || raw[i] === '\t' || raw[i] === '\n' || raw[i] === '\r') i++;
  if (raw[i] !== ':') return undefined;
  i++;
  while (raw[i] === ' ' || raw[i] === '\t' || raw[i] === '\n' || raw[i] === '\r') i++;
  if (raw[i] !== '"') return undefined;
  const start = i;
  for (i = start + 1; i < raw.length; i++) {
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

/** The text of a chunk that matches the template, or undefined (then parse it in full). */
export function textFromTemplate(template: ChunkTemplate, raw: string): string | undefined {
  const { prefix, suffix } = template;
  if (raw.length <= prefix.length + suffix.length || !raw.startsWith(prefix) || !raw.endsWith(suffix))
    return undefined;
  const literal = raw.slice(prefix.length, raw.length - suffix.length);
  // One JSON string and nothing else: then the chunk has the template's structure exactly.
  if (literal.charCodeAt(0) !== 0x22 || literal.charCodeAt(literal.length - 1) !== 0x22) return undefined;
  try {
    const text: unknown = JSON.parse(literal);
    return typeof text === 'string' ? text : undefined;
  } catch {
    return undefined;
  }
}
