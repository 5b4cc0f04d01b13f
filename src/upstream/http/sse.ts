/**
 * The Server-Sent Events reader both upstream kinds use: bytes in, `{ event, data }` records out
 * as soon as each blank-line-terminated event is complete (the first delta is not held back).
 * Chunks may split lines, CRLF pairs and UTF-8 sequences anywhere, so decoding and line splitting
 * keep their state across chunks. Work is synchronous per network chunk: `readSseBatches` hands
 * over every event a chunk completed at once, so a burst of 40 small events costs one async step.
 */
import { StringDecoder } from 'node:string_decoder';

export interface SseEvent {
  /** The `event:` field; undefined for the default "message" event. */
  event: string | undefined;
  /** The `data:` lines joined with "\n". */
  data: string;
}

const LF = 10;
const SPACE = 32;
const COLON = 58;
const BOM = 0xfeff;

/**
 * Incremental decoder: feed chunks as they arrive, take the events each one completed. Bytes are
 * decoded with Node's StringDecoder, which keeps a UTF-8 sequence split between chunks like
 * TextDecoder does, at a fifth of its cost on Node 20 (~1.5 against ~8 µs for a 40-chunk reply).
 */
export class SseDecoder {
  private readonly utf8 = new StringDecoder('utf8');
  /** Nothing read yet: a byte-order mark there is not part of the stream (the SSE spec drops it). */
  private atStart = true;
  private buffer = '';
  /** A chunk ended in CR: a LF at the start of the next one belongs to the same line break. */
  private skipLeadingLf = false;
  private event: string | undefined;
  /** The event's `data:` lines so far, joined with "\n"; undefined before the first. */
  private data: string | undefined;

  push(chunk: Uint8Array | string): SseEvent[] {
    const out: SseEvent[] = [];
    let text = typeof chunk === 'string' ? chunk : this.utf8.write(chunk);
    if (this.atStart && text.length > 0) {
      this.atStart = false;
      if (text.charCodeAt(0) === BOM) text = text.slice(1);
    }
    if (this.skipLeadingLf && text.length > 0) {
      this.skipLeadingLf = false;
      if (text.charCodeAt(0) === LF) text = text.slice(1);
    }
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
      this.line(buffer, start, end, out);
      if (end !== cr) start = end + 1;
      else if (end + 1 === buffer.length) {
        this.skipLeadingLf = true;
        start = end + 1;
      } else start = buffer.charCodeAt(end + 1) === LF ? end + 2 : end + 1;
    }
    this.buffer = start === 0 ? buffer : buffer.slice(start);
    return out;
  }

  /** The input ended: whatever is left (some servers omit the final blank line). */
  end(): SseEvent[] {
    const out = this.push(this.utf8.end());
    const rest = this.buffer;
    this.buffer = '';
    if (rest !== '') this.line(rest, 0, rest.length, out);
    this.dispatch(out);
    return out;
  }

  /**
   * The line `text[start, end)`, read in place: only a field's value is cut out of the buffer (a
   * 40-chunk reply makes 80 lines, and each cut is an object to collect).
   */
  private line(text: string, start: number, end: number, out: SseEvent[]): void {
    if (start === end) {
      this.dispatch(out);
      return;
    }
    if (text.charCodeAt(start) === COLON) return; // comment / keep-alive
    let colon = text.indexOf(':', start);
    if (colon === -1 || colon > end) colon = end;
    let valueStart = colon + 1;
    if (valueStart < end && text.charCodeAt(valueStart) === SPACE) valueStart += 1;
    const fieldLength = colon - start;
    if (fieldLength === 4 && text.startsWith('data', start)) {
      const value = valueStart < end ? text.slice(valueStart, end) : '';
      this.data = this.data === undefined ? value : `${this.data}\n${value}`;
    } else if (fieldLength === 5 && text.startsWith('event', start)) {
      this.event = valueStart < end ? text.slice(valueStart, end) : '';
    }
  }

  private dispatch(out: SseEvent[]): void {
    if (this.data !== undefined) out.push({ event: this.event, data: this.data });
    this.event = undefined;
    this.data = undefined;
  }
}

/** The events each chunk of the stream completed (chunks that complete none are skipped). */
export async function* readSseBatches(
  chunks: AsyncIterable<Uint8Array | string>,
): AsyncGenerator<SseEvent[]> {
  const decoder = new SseDecoder();
  for await (const chunk of chunks) {
    const events = decoder.push(chunk);
    if (events.length > 0) yield events;
  }
  const rest = decoder.end();
  if (rest.length > 0) yield rest;
}
