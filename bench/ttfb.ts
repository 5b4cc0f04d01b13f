/**
 * Time to the first streamed body byte at one connection, request after request on one
 * kept-alive socket; autocannon only sees whole responses.
 */
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { SampleBuffer } from './stats.js';
import { latencyStats, type LatencyStats } from './stats.js';
import type { RequestSpec } from './targets.js';

export interface FirstByteResult {
  count: number;
  failed: number;
  /** ms from sending the request to the first body byte. */
  firstByte: LatencyStats;
}

const TIMEOUT_MS = 15_000;

function once(spec: RequestSpec, agent: Agent): Promise<number | undefined> {
  return new Promise((resolve) => {
    const started = performance.now();
    let firstByteMs: number | undefined;
    const req = request(
      spec.url,
      {
        method: spec.method,
        headers: spec.perConnectionHeaders?.[0] ?? spec.headers,
        agent,
        timeout: TIMEOUT_MS,
      },
      (res) => {
        res.on('data', () => {
          firstByteMs ??= performance.now() - started;
        });
        res.on('end', () => resolve(res.statusCode === 200 ? firstByteMs : undefined));
        res.on('error', () => resolve(undefined));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end(spec.body);
  });
}

/** Sends `count` requests one after another and adds each first-byte time to `into`. */
export async function collectFirstBytes(input: {
  spec: RequestSpec;
  count: number;
  into: SampleBuffer;
}): Promise<{ failed: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  let failed = 0;
  try {
    await once(input.spec, agent); // opens the connection, untimed
    for (let i = 0; i < input.count; i++) {
      const ms = await once(input.spec, agent);
      if (ms === undefined) failed += 1;
      else input.into.push(ms);
    }
  } finally {
    agent.destroy();
  }
  return { failed };
}

export function firstByteResult(samples: SampleBuffer, failed: number): FirstByteResult {
  return { count: samples.length, failed, firstByte: latencyStats(samples.values()) };
}
