import { describe, expect, it } from 'vitest';
import {
  learnTemplate,
  MAX_TEMPLATES_PER_STREAM,
  rememberTemplate,
  templateText,
  textFromTemplate,
} from './chunk-template.js';
import { eventsFromChunk, newChunkState } from './chunks.js';
import type { TurnEvent } from '../types.js';

/** A content chunk as vLLM or the simulator sends it; `literal` is the raw JSON string. */
const chunk = (literal: string, extra = '') =>
  `{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"m",` +
  `"choices":[{"index":0,"delta":{"content":${literal}},"logprobs":null,"finish_reason":null}]${extra}}`;

const learn = (raw: string) => learnTemplate(raw, JSON.parse(raw), 'ids');

describe('learnTemplate / textFromTemplate', () => {
  it('reads the text of chunks that differ from the learnt one only in their text', () => {
    const template = learn(chunk('"Hel"'));
    expect(template).toBeDefined();
    for (const text of ['lo', ' "quoted"', 'line\nbreak', 'é and \u2028', '😀', '\\']) {
      expect(textFromTemplate(template!, chunk(JSON.stringify(text)))).toBe(text);
    }
    // Escapes the encoder would not choose are still one JSON string.
    expect(textFromTemplate(template!, chunk('"\\u00e9\\/"'))).toBe('é/');
    expect(textFromTemplate(template!, chunk('""'))).toBe('');
  });

  it('learns a slot written with an escape and spaces around its colon', () => {
    const spaced = chunk('"a"').replace('"content":"a"', '"content" :  "\\u0061"');
    expect(textFromTemplate(learnTemplate(spaced, JSON.parse(spaced), undefined)!, spaced)).toBe('a');
  });

  it('misses every chunk that differs anywhere else, or holds more than one string there', () => {
    const template = learn(chunk('"a"'))!;
    expect(textFromTemplate(template, chunk('"b"').replace('chatcmpl-1', 'chatcmpl-2'))).toBeUndefined();
    expect(textFromTemplate(template, chunk('"b"', ',"obfuscation":"xyz"'))).toBeUndefined();
    expect(textFromTemplate(template, chunk('"b","role":"assistant"'))).toBeUndefined();
    expect(textFromTemplate(template, chunk('"b" '))).toBeUndefined();
    expect(textFromTemplate(template, chunk('null'))).toBeUndefined();
    expect(textFromTemplate(template, chunk('"unterminated'))).toBeUndefined();
    expect(textFromTemplate(template, '[DONE]')).toBeUndefined();
    // The first and the last character count too.
    expect(textFromTemplate(template, ` ${chunk('"b"').slice(1)}`)).toBeUndefined();
    expect(textFromTemplate(template, `${chunk('"b"').slice(0, -1)} `)).toBeUndefined();
    expect(textFromTemplate(template, chunk('"b"'))).toBe('b');
  });

  it('learns nothing from chunks that carry more than text', () => {
    const role = chunk('""').replace('"content":""', '"role":"assistant","content":""');
    expect(learn(role)).toBeUndefined();
    expect(learn(chunk('"a"').replace('"finish_reason":null', '"finish_reason":"stop"'))).toBeUndefined();
    expect(learn(chunk('"a"', ',"usage":{"prompt_tokens":1}'))).toBeUndefined();
    // eventsFromChunk reports an array as usage too: a template would skip it.
    expect(learn(chunk('"a"', ',"usage":[]'))).toBeUndefined();
    expect(learn(chunk('"a"', ',"error":{"message":"x"}'))).toBeUndefined();
    expect(learnTemplate('[]', [], undefined)).toBeUndefined();
  });

  it('refuses a slot that is not delta.content even when it holds the same text', () => {
    // The last "content" key is outside delta: the probe lands there and the chunk changes shape.
    const decoy = chunk('"a"', ',"meta":{"content":"a"}');
    expect(learn(decoy)).toBeUndefined();
  });
});

/** The provider's per-chunk steps, with or without the template shortcut. */
function eventsOf(raws: string[], shortcut: boolean): { events: TurnEvent[]; hits: number; learnt: number } {
  const state = newChunkState();
  const events: TurnEvent[] = [];
  let hits = 0;
  for (const raw of raws) {
    const text = shortcut ? templateText(raw, state) : undefined;
    if (text !== undefined) {
      hits += 1;
      if (text !== '') events.push({ type: 'delta', text });
      continue;
    }
    const payload: unknown = JSON.parse(raw);
    events.push(...eventsFromChunk(payload, state));
    if (shortcut) rememberTemplate(raw, payload, state);
  }
  return { events, hits, learnt: state.templatesLearnt };
}

describe('a stream read with templates', () => {
  const texts = ['Hel', 'lo', ' wo', 'rld', '', ' "x"'];

  it('gives exactly the events of parsing every chunk, ids changes and the finish included', () => {
    const raws = [
      chunk('""').replace('"content":""', '"role":"assistant","content":""'),
      ...texts.map((t) => chunk(JSON.stringify(t))),
      // A model change mid-stream is reported; the chunks after it that match the template again
      // must report the model's return, so they cannot take the shortcut.
      chunk('""').replace('"model":"m"', '"model":"m2"'),
      ...texts.map((t) => chunk(JSON.stringify(t))),
      ...texts.map((t) => chunk(JSON.stringify(t)).replace('"model":"m"', '"model":"m2"')),
      chunk('""').replace('"finish_reason":null', '"finish_reason":"length"'),
      `{"id":"chatcmpl-1","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":9}}`,
    ];
    const plain = eventsOf(raws, false);
    const fast = eventsOf(raws, true);
    expect(fast.events).toEqual(plain.events);
    // m, m2, m, m2, m (the finish chunk) and the usage chunk's (no model).
    expect(plain.events.filter((e) => e.type === 'ids')).toHaveLength(6);
    expect(fast.hits).toBeGreaterThanOrEqual(10);
  });

  it('stops learning after a few tries when every chunk differs (OpenAI obfuscation)', () => {
    const raws = texts.map((t, i) => chunk(JSON.stringify(t), `,"obfuscation":"${'x'.repeat(i)}"`));
    const fast = eventsOf(raws, true);
    expect(fast.events).toEqual(eventsOf(raws, false).events);
    expect(fast.hits).toBe(0);
    expect(fast.learnt).toBe(MAX_TEMPLATES_PER_STREAM);
  });
});
