/**
 * A minimal Server-Sent Events reader: turns a byte stream into `{ event, data }` records as
 * soon as each blank-line-terminated event is complete (so the first delta is not held back).
 * Parsing is synchronous per network chunk: `readSseBatches` hands over every event a chunk
 * completed at once, so a burst of 40 small events costs one async step, not 40.
 */
export interface SseEvent {
  /** The `event:` field; undefined for the default "message" event. */
  event: string | undefined;
  /** The `data:` lines joined with "\n". */
  data: string;
}

/** Incremental parser: feed text as it arrives, take the events it completed. */
export class SseParser {
  private buffer = '';
  private event: string | undefined;
  private data: string[] = [];

  /** Splits into lines, accepting \n, \r\n and \r endings. */
  push(text: string): SseEvent[] {
    const out: SseEvent[] = [];
    const buffer = this.buffer + text;
    // Line ends are found with indexOf, not one character at a time; the next \r is looked up
    // again only once passed (upstreams end lines with \n, so usually never).
    let cr = buffer.indexOf('\r');
    let start = 0;
    for (;;) {
      if (cr !== -1 && cr < start) cr = buffer.indexOf('\r', start);
      const lf = buffer.indexOf('\n', start);
      const end = cr !== -1 && (lf === -1 || cr < lf) ? cr : lf;
      if (end === -1) break;
      // A trailing \r may be the first half of \r\n split across chunks: wait for more input.
      if (end === cr && end === buffer.length - 1) break;
      this.line(buffer.slice(start, end), out);
      start = end === cr && buffer[end + 1] === '\n' ? end + 2 : end + 1;
    }
    this.buffer = buffer.slice(start);
    return out;
  }

  /** The input ended: whatever is left (some servers omit the final blank line). */
  end(): SseEvent[] {
    const out: SseEvent[] = [];
    let rest = this.buffer;
    this.buffer = '';
    if (rest.endsWith('\r')) rest = rest.slice(0, -1);
    if (rest !== '') this.line(rest, out);
    if (this.data.length > 0) out.push({ event: this.event, data: this.data.join('\n') });
    this.data = [];
    return out;
  }

  private line(line: string, out: SseEvent[]): void {
    if (line === '') {
      if (this.data.length > 0) out.push({ event: this.event, data: this.data.join('\n') });
      this.event = undefined;
      this.data = [];
      return;
    }
    if (line.startsWith(':')) return; // comment / keep-alive
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
  }
}

/** The events each chunk of the stream completed (chunks that complete none are skipped). */
export async function* readSseBatches(
  chunks: AsyncIterable<Uint8Array | string>,
): AsyncGenerator<SseEvent[]> {
  const decoder = new TextDecoder();
  const parser = new SseParser();
  for await (const chunk of chunks) {
    const events = parser.push(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
    if (events.length > 0) yield events;
  }
  const rest = [...parser.push(decoder.decode()), ...parser.end()];
  if (rest.length > 0) yield rest;
}
