/**
 * A minimal Server-Sent Events reader: turns a byte stream into `{ event, data }` records as
 * soon as each blank-line-terminated event is complete (so the first delta is not held back).
 */
export interface SseEvent {
  /** The `event:` field; undefined for the default "message" event. */
  event: string | undefined;
  /** The `data:` lines joined with "\n". */
  data: string;
}

/** Splits a chunked text stream into lines, accepting \n, \r\n and \r endings. */
async function* readLines(chunks: AsyncIterable<Uint8Array | string>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of chunks) {
    buffer += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let start = 0;
    for (let i = 0; i < buffer.length; i++) {
      const char = buffer[i];
      if (char !== '\n' && char !== '\r') continue;
      // A trailing \r may be the first half of \r\n split across chunks: wait for more input.
      if (char === '\r' && i === buffer.length - 1) break;
      yield buffer.slice(start, i);
      if (char === '\r' && buffer[i + 1] === '\n') i++;
      start = i + 1;
    }
    buffer = buffer.slice(start);
  }
  buffer += decoder.decode();
  if (buffer.endsWith('\r')) buffer = buffer.slice(0, -1);
  if (buffer !== '') yield buffer;
}

export async function* readSseEvents(chunks: AsyncIterable<Uint8Array | string>): AsyncGenerator<SseEvent> {
  let event: string | undefined;
  let data: string[] = [];
  for await (const line of readLines(chunks)) {
    if (line === '') {
      if (data.length > 0) yield { event, data: data.join('\n') };
      event = undefined;
      data = [];
      continue;
    }
    if (line.startsWith(':')) continue; // comment / keep-alive
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
  }
  // Some servers close the stream without the final blank line.
  if (data.length > 0) yield { event, data: data.join('\n') };
}
