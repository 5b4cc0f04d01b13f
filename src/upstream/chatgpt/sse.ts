/**
 * Incremental Server-Sent Events reader. Chunks may split lines, CRLF pairs and even UTF-8
 * sequences anywhere, so decoding and line splitting keep their state across chunks.
 */
export interface SseEvent {
  /** The `event:` field, or 'message' when the event named none. */
  event: string;
  data: string;
  id?: string;
}

export class SseDecoder {
  private readonly textDecoder = new TextDecoder('utf-8');
  private pending = '';
  /** A chunk ended in CR: a LF at the start of the next chunk belongs to the same line break. */
  private skipLeadingLf = false;
  private eventName = '';
  private dataLines: string[] = [];
  private lastId: string | undefined;

  push(chunk: Uint8Array | string): SseEvent[] {
    const text = typeof chunk === 'string' ? chunk : this.textDecoder.decode(chunk, { stream: true });
    return this.consume(text);
  }

  /** Flushes a trailing event that had no blank line after it (the stream ended). */
  end(): SseEvent[] {
    const events = this.consume(this.textDecoder.decode());
    if (this.pending.length > 0) {
      this.processLine(this.pending, events);
      this.pending = '';
    }
    this.dispatch(events);
    return events;
  }

  private consume(text: string): SseEvent[] {
    const events: SseEvent[] = [];
    let input = text;
    if (this.skipLeadingLf && input.startsWith('\n')) input = input.slice(1);
    this.skipLeadingLf = false;
    let buffer = this.pending + input;
    let lineBreak = buffer.search(/[\r\n]/);
    while (lineBreak !== -1) {
      const line = buffer.slice(0, lineBreak);
      let rest = lineBreak + 1;
      if (buffer[lineBreak] === '\r') {
        if (rest === buffer.length) this.skipLeadingLf = true;
        else if (buffer[rest] === '\n') rest += 1;
      }
      buffer = buffer.slice(rest);
      this.processLine(line, events);
      lineBreak = buffer.search(/[\r\n]/);
    }
    this.pending = buffer;
    return events;
  }

  private processLine(line: string, events: SseEvent[]): void {
    if (line === '') {
      this.dispatch(events);
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.dataLines.push(value);
    else if (field === 'event') this.eventName = value;
    else if (field === 'id') this.lastId = value;
  }

  private dispatch(events: SseEvent[]): void {
    if (this.dataLines.length > 0) {
      const event: SseEvent = { event: this.eventName || 'message', data: this.dataLines.join('\n') };
      if (this.lastId !== undefined) event.id = this.lastId;
      events.push(event);
    }
    this.eventName = '';
    this.dataLines = [];
  }
}

/** Yields SSE events from a byte stream as soon as each one is complete. */
export async function* readSse(body: AsyncIterable<Uint8Array | string>): AsyncGenerator<SseEvent> {
  const decoder = new SseDecoder();
  for await (const chunk of body) {
    yield* decoder.push(chunk);
  }
  yield* decoder.end();
}
