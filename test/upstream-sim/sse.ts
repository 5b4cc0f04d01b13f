/** Writes a planned SSE reply frame by frame, with delays and mid-stream faults. */
import { once } from 'node:events';
import type { SimResponse } from './http-util.js';
import { pause } from './http-util.js';
import type { SimState } from './state.js';
import type { MidStreamFault } from './types.js';

export interface SseFrame {
  /** The full SSE text of the frame, ending with a blank line. */
  text: string;
  /** True when the frame carries a piece of the reply text (faults count these). */
  carriesText?: boolean;
}

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
};

export function dataFrame(payload: unknown, event?: string, carriesText?: boolean): SseFrame {
  const data = typeof payload === 'string' ? payload : JSON.stringify(payload);
  return { text: `${event ? `event: ${event}\n` : ''}data: ${data}\n\n`, carriesText };
}

export const DONE_FRAME: SseFrame = { text: 'data: [DONE]\n\n' };

/**
 * Counts a reply as aborted when the client goes away before the simulator ended it, and runs
 * `onClose` (e.g. releasing the busy lock) however the reply ends.
 */
export function trackReply(res: SimResponse, state: SimState, onClose?: () => void): void {
  res.once('close', () => {
    if (!res.replyDone && !state.closing.signal.aborted) state.aborted += 1;
    onClose?.();
  });
}

/** Index of the frame before which the fault fires: after `afterChunks` text frames were sent. */
function faultFrameIndex(frames: SseFrame[], afterChunks: number): number {
  let seen = 0;
  let lastText = -1;
  for (let i = 0; i < frames.length; i++) {
    if (!frames[i]!.carriesText) continue;
    if (seen === afterChunks) return i;
    seen += 1;
    lastText = i;
  }
  return Math.min(lastText + 1, frames.length - 1);
}

async function write(res: SimResponse, text: string): Promise<boolean> {
  if (res.destroyed) return false;
  if (!res.write(text)) {
    // The wait that loses is cancelled, or a slow reader's response gathers a listener per write.
    const waited = new AbortController();
    const { signal } = waited;
    await Promise.race([once(res, 'drain', { signal }), once(res, 'close', { signal })]).finally(() =>
      waited.abort(),
    );
  }
  return !res.destroyed;
}

const MALFORMED_FRAME = 'data: {"p":"/message/content/parts/0","o":"append","v":"brok\n\n';

export async function runSse(input: {
  res: SimResponse;
  state: SimState;
  frames: SseFrame[];
  fault?: MidStreamFault;
  headers?: Record<string, string>;
}): Promise<void> {
  const { res, state, frames, fault } = input;
  const signal = state.closing.signal;
  res.writeHead(200, { ...SSE_HEADERS, ...input.headers });
  const faultAt = fault ? faultFrameIndex(frames, fault.afterChunks) : -1;
  for (let i = 0; i < frames.length; i++) {
    if (i > 0 && !(await pause(state.options.chunkDelayMs, signal))) return;
    if (res.destroyed) return;
    if (i === faultAt && fault) {
      applyFault(res, fault);
      return;
    }
    if (!(await write(res, frames[i]!.text))) return;
  }
  res.replyDone = true;
  res.end();
}

/** Destroys the connection once what was already written has left, like a peer reset mid-body. */
export function resetAfterFlush(res: SimResponse): void {
  const socket = res.socket;
  if (!socket) return;
  socket.write(Buffer.alloc(0), () => socket.destroy());
}

function applyFault(res: SimResponse, fault: MidStreamFault): void {
  switch (fault.type) {
    case 'reset_mid_stream':
      res.replyDone = true;
      resetAfterFlush(res);
      return;
    case 'stall_mid_stream':
      return;
    case 'malformed_chunk':
      res.replyDone = true;
      res.end(MALFORMED_FRAME);
      return;
  }
}
