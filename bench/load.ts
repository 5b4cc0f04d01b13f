/**
 * Load generation with autocannon, in the benchmark's own process (never in a measured one).
 * Latencies are taken from autocannon's per-response event at full resolution, because its
 * histogram keeps whole milliseconds and the targets are fractions of one.
 */
import autocannon from 'autocannon';
import { performance } from 'node:perf_hooks';
import type { RequestSpec } from './targets.js';
import { SampleBuffer, latencyStats, type LatencyStats } from './stats.js';

export interface LoadResult {
  /** Responses with a 2xx status. */
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  elapsedSec: number;
  /** 2xx responses per second. */
  rps: number;
  /** Milliseconds, 2xx responses only. */
  latency: LatencyStats;
}

export interface LoadInput {
  spec: RequestSpec;
  connections: number;
  durationSec: number;
}

const REQUEST_TIMEOUT_SEC = 30;

export function runLoad(input: LoadInput): Promise<LoadResult> {
  const { spec, connections } = input;
  const samples = new SampleBuffer();
  let ok = 0;
  let non2xx = 0;
  let nextClient = 0;
  const perConnection = spec.perConnectionHeaders;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const instance = autocannon(
      {
        url: spec.url,
        method: spec.method,
        headers: spec.headers,
        body: spec.body,
        connections,
        pipelining: 1,
        duration: input.durationSec,
        timeout: REQUEST_TIMEOUT_SEC,
        ...(perConnection && perConnection.length > 0
          ? {
              setupClient: (client) => client.setHeaders(perConnection[nextClient++ % perConnection.length]!),
            }
          : {}),
      },
      (error, result) => {
        if (error) return reject(error);
        const elapsedSec = (performance.now() - started) / 1000;
        resolve({
          ok,
          non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          elapsedSec,
          rps: ok / elapsedSec,
          latency: latencyStats(samples.values()),
        });
      },
    );
    instance.on(
      'response',
      (_client: unknown, statusCode: number, _bytes: number, responseTimeMs: number) => {
        if (statusCode >= 200 && statusCode < 300) {
          ok += 1;
          samples.push(responseTimeMs);
        } else {
          non2xx += 1;
        }
      },
    );
  });
}

export type Availability = { ok: true } | { ok: false; reason: string; notYet: boolean };

/** One request first: a 404 means the route is not built yet, anything else non-2xx is an error. */
export async function probe(spec: RequestSpec, expectStream: boolean): Promise<Availability> {
  try {
    const response = await fetch(spec.url, {
      method: spec.method,
      headers: spec.perConnectionHeaders?.[0] ?? spec.headers,
      body: spec.body,
      signal: AbortSignal.timeout(15_000),
    });
    const text = await response.text();
    if (response.status === 404) return { ok: false, reason: 'not available yet (404)', notYet: true };
    if (!response.ok) return { ok: false, reason: `answers HTTP ${response.status}`, notYet: false };
    if (expectStream && !text.includes('data:'))
      return { ok: false, reason: 'stream answer has no SSE data', notYet: false };
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: `request failed: ${(error as Error).message}`, notYet: false };
  }
}
