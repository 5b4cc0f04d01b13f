/**
 * The memory case: many concurrent streams held open through our server (the simulator sends
 * one chunk every few seconds), while our RSS is sampled; then every stream is dropped.
 */
import { request, type ClientRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { readMemoryKb, startRssSampler } from './proc.js';
import type { RequestSpec } from './targets.js';

export interface SlowStreamsResult {
  requested: number;
  /** Streams that delivered their first byte (and so were open upstream too). */
  opened: number;
  failed: number;
  /** Why streams failed: HTTP status or error code → count. */
  failures: Record<string, number>;
  rssBeforeMb: number;
  peakRssMb: number;
}

export interface SlowStreamsInput {
  spec: RequestSpec;
  count: number;
  pid: number;
  /** How long to keep them all open once opened. */
  holdMs: number;
  /** Bound on waiting for every stream to open. */
  openTimeoutMs: number;
  progress?: (line: string) => void;
}

/**
 * Streams being opened at once. A stream counts as open at its first byte, which the slow
 * simulator sends after its chunk delay (2 s full, 1 s quick), so 64 at a time could open only
 * ~320 in 10 s; 250 stays under the default listen backlog (511) and opens 1,000 in four delays.
 */
const MAX_OPENING = 250;

export async function holdSlowStreams(input: SlowStreamsInput): Promise<SlowStreamsResult> {
  const rssBeforeMb = readMemoryKb(input.pid).rssKb / 1024;
  const sampler = startRssSampler([input.pid], 50);
  const requests: ClientRequest[] = [];
  let opened = 0;
  let failed = 0;
  const failures: Record<string, number> = {};
  const fail = (why: string): void => {
    failed += 1;
    failures[why] = (failures[why] ?? 0) + 1;
  };
  let peaks = new Map<number, number>();
  let dropping = false;
  const deadline = Date.now() + input.openTimeoutMs;
  try {
    for (let i = 0; i < input.count && Date.now() < deadline; i++) {
      // A thousand connects in one burst overflow the listen backlog and the SYN retries
      // would measure the client: keep a bounded number of streams opening at a time.
      while (i - opened - failed >= MAX_OPENING && Date.now() < deadline) await sleep(2);
      let streamOpened = false;
      // One socket per stream (agent: false), as a thousand separate clients would.
      const req = request(
        input.spec.url,
        { method: 'POST', headers: input.spec.headers, agent: false },
        (res) => {
          if (res.statusCode !== 200) {
            fail(`HTTP ${res.statusCode ?? '?'}`);
            res.resume();
            return;
          }
          res.once('data', () => {
            streamOpened = true;
            opened += 1;
          });
          res.on('data', () => undefined);
          res.on('error', () => undefined);
        },
      );
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (!streamOpened && !dropping) fail(error.code ?? 'error');
      });
      req.end(input.spec.body);
      requests.push(req);
    }
    while (opened + failed < input.count && Date.now() < deadline) await sleep(100);
    const why = Object.entries(failures)
      .map(([reason, n]) => `${n} × ${reason}`)
      .join(', ');
    input.progress?.(
      `${opened} of ${input.count} slow streams open${failed > 0 ? `; failed: ${why}` : ''}; holding`,
    );
    await sleep(input.holdMs);
  } finally {
    peaks = sampler.stop();
    dropping = true;
    for (const req of requests) req.destroy();
  }
  return {
    requested: input.count,
    opened,
    failed,
    failures,
    rssBeforeMb,
    peakRssMb: (peaks.get(input.pid) ?? 0) / 1024,
  };
}
