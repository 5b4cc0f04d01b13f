/**
 * The one HTTP call every upstream makes: undici's `dispatch` on the account's pooled dispatcher
 * with a small handler, instead of undici's `request()`. `request()` wraps each response body in a
 * Node Readable and reads it through the stream machinery; for a 40-chunk stream that machinery
 * cost about as much CPU as the rest of the call (docs/performance-rounds.md, fifth round). The
 * body here is a plain queue of the network's chunks that is iterated with `for await`, with
 * backpressure: the socket is paused while more than HIGH_WATER_BYTES wait unread.
 */
import type { Dispatcher } from 'undici';
import type { IncomingHttpHeaders } from 'node:http';
import type { ProviderAccount } from '../types.js';

const HIGH_WATER_BYTES = 64 * 1024;
const DUMP_LIMIT_BYTES = 128 * 1024;

export interface UpstreamCall {
  dispatcher: Dispatcher;
  /** Absolute URL, e.g. `http://127.0.0.1:7001/v1/chat/completions`. */
  url: string;
  method: 'GET' | 'POST' | 'PATCH';
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  /** Time allowed until the response headers arrive. */
  headersTimeoutMs: number;
  /** Longest silence allowed between two chunks of the body. */
  bodyTimeoutMs: number;
}

export interface UpstreamResponse {
  statusCode: number;
  headers: IncomingHttpHeaders;
  body: ResponseBody;
}

/** `http://host:port/a/b?c` → origin `http://host:port`, path `/a/b?c` (no URL object per call). */
export function splitUrl(url: string): { origin: string; path: string } {
  const scheme = url.indexOf('://');
  if (scheme < 0) throw new TypeError(`not an absolute URL: ${url.slice(0, 80)}`);
  const at = url.slice(scheme + 3).search(/[/?#]/);
  if (at < 0) return { origin: url, path: '/' };
  const cut = scheme + 3 + at;
  const rest = url.slice(cut);
  return { origin: url.slice(0, cut), path: rest.startsWith('/') ? rest : `/${rest}` };
}

/** Why a call ended early: the signal's reason when it is an Error, else a plain AbortError. */
function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error) return reason;
  return Object.assign(new Error('The upstream call was aborted'), { name: 'AbortError' });
}

const NOTHING = Promise.resolve(undefined);

const utf8 = (parts: Buffer[]): string =>
  parts.length === 1 ? (parts[0] as Buffer).toString('utf8') : Buffer.concat(parts).toString('utf8');

const asResult = (chunk: Buffer | undefined): IteratorResult<Buffer> =>
  chunk === undefined ? { done: true, value: undefined } : { done: false, value: chunk };

/**
 * A response body: an async iterable of Buffers that can be read once. Leaving the loop early
 * (break, throw) or calling destroy() aborts the call, which closes the connection so the
 * upstream stops generating.
 */
export class ResponseBody implements AsyncIterable<Buffer> {
  #chunks: Buffer[] = [];
  #buffered = 0;
  #ended = false;
  #error: unknown = undefined;
  #wake: (() => void) | undefined = undefined;
  #controller: Dispatcher.DispatchController | undefined;
  destroyed = false;

  constructor(controller: Dispatcher.DispatchController | undefined) {
    this.#controller = controller;
  }

  /** @internal called by the handler */
  push(chunk: Buffer): void {
    if (this.destroyed) return;
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    if (this.#buffered > HIGH_WATER_BYTES) this.#controller?.pause();
    this.#notify();
  }

  /** @internal */
  end(error?: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#error = error;
    this.#notify();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** The next chunk; undefined at the end. Rejects with the call's error, if it failed. */
  read(): Promise<Buffer | undefined> {
    if (this.#chunks.length > 0) {
      // Everything that arrived meanwhile, as one piece (as a Readable's read() gives it): one
      // batch of events downstream, one write to the client, instead of one per network chunk.
      const chunks = this.#chunks;
      const chunk = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, this.#buffered);
      this.#chunks = [];
      this.#buffered = 0;
      if (this.#controller?.paused) this.#controller.resume();
      return Promise.resolve(chunk);
    }
    if (this.#ended) return this.#error === undefined ? NOTHING : Promise.reject(this.#error);
    return new Promise<void>((resolve) => (this.#wake = resolve)).then(() => this.read());
  }

  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    return {
      next: () => this.read().then(asResult),
      return: () => {
        this.destroy();
        return Promise.resolve({ done: true, value: undefined });
      },
    };
  }

  /**
   * Reads to the end, or aborts the call once more than `limit` bytes came; `keep` gets the
   * chunks (a dump passes none). Rejects with the call's error.
   */
  async #readUpTo(limit: number, keep?: Buffer[]): Promise<void> {
    let size = 0;
    for (let chunk = await this.read(); chunk !== undefined; chunk = await this.read()) {
      keep?.push(chunk);
      size += chunk.length;
      if (size >= limit) return this.destroy();
    }
  }

  /** The whole body as UTF-8. */
  async text(): Promise<string> {
    const parts: Buffer[] = [];
    await this.#readUpTo(Infinity, parts);
    return utf8(parts);
  }

  /**
   * At most `limit` bytes of the body as UTF-8, for an error message: past the limit the call is
   * aborted rather than read on. Never rejects: what a failed read got so far is the answer.
   */
  async textUpTo(limit: number): Promise<string> {
    const parts: Buffer[] = [];
    // On a failed read the status alone still classifies the failure.
    await this.#readUpTo(limit, parts).catch(() => undefined);
    return utf8(parts).slice(0, limit);
  }

  /**
   * Reads and drops the body so the connection can carry the next call; a body of
   * DUMP_LIMIT_BYTES or more is not worth reading, and the call is aborted instead.
   */
  dump(): Promise<void> {
    return this.#readUpTo(DUMP_LIMIT_BYTES);
  }

  /** Stops the call if it is still running and drops what is unread. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.#chunks = [];
    this.#buffered = 0;
    // A body read to its end has nothing to stop: no error (and no stack trace) is built for it.
    if (this.#ended) return;
    const reason = abortReason(undefined);
    this.#controller?.abort(reason);
    this.end(reason);
  }
}

/**
 * Sends the call; resolves once the response headers arrive (any status), rejects with undici's
 * (or the signal's) error when there is no response. Errors later, in the body, reach its reader.
 */
export function callUpstream(call: UpstreamCall): Promise<UpstreamResponse> {
  const { signal } = call;
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  return new Promise<UpstreamResponse>((resolve, reject) => {
    let controller: Dispatcher.DispatchController | undefined;
    let body: ResponseBody | undefined;
    const onAbort = () => controller?.abort(abortReason(signal));
    const settle = (error?: unknown) => {
      signal?.removeEventListener('abort', onAbort);
      if (body) body.end(error);
      else reject(error);
    };
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(started) {
        controller = started;
        if (signal?.aborted) started.abort(abortReason(signal));
      },
      onResponseStart(_controller, statusCode, headers) {
        if (statusCode < 200) return; // 1xx: the real response follows
        body = new ResponseBody(controller);
        resolve({ statusCode, headers, body });
      },
      onResponseData(_controller, chunk) {
        body?.push(chunk);
      },
      onResponseEnd() {
        settle(undefined);
      },
      onResponseError(_controller, error) {
        settle(error);
      },
    };
    // A bad URL or option throws here, before the listener exists: the promise rejects with it.
    const { origin, path } = splitUrl(call.url);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      call.dispatcher.dispatch(
        {
          origin,
          path,
          method: call.method,
          headers: call.headers,
          body: call.body,
          headersTimeout: call.headersTimeoutMs,
          bodyTimeout: call.bodyTimeoutMs,
        },
        handler,
      );
    } catch (error) {
      settle(error);
    }
  });
}

/** A call to a path under one account's base URL, on its dispatcher, with its timeouts. */
export function callAccount(
  account: ProviderAccount,
  input: Pick<UpstreamCall, 'method' | 'headers' | 'body' | 'signal'> & { path: string },
): Promise<UpstreamResponse> {
  return callUpstream({
    dispatcher: account.dispatcher,
    url: `${account.baseUrl}${input.path}`,
    method: input.method,
    headers: input.headers,
    body: input.body,
    signal: input.signal,
    headersTimeoutMs: account.timeouts.firstByteMs,
    bodyTimeoutMs: account.timeouts.idleMs,
  });
}
