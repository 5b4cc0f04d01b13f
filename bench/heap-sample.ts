/**
 * `npm run bench:compare -- --heap-sample DIR`: each measured pass of a build made by `npm run
 * bench:variant -- OUT --heap-sample` is sampled by the build's own heap sampler
 * (bench/heap-sampler.mjs, switched by SIGUSR2), and the profile is kept in DIR as
 * `<build>-<mode>-pass<N>.heapprofile`, for `npm run bench:profile`. The sampler costs the
 * build CPU (about half as much again, on a request's ~100 KB): read a sampled pass for its bytes,
 * and the CPU of builds without it.
 */
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { hashbangNodeFlags } from './ours.js';
import { heapProfileBytes, type HeapProfile } from './profile-summary.js';

export const HEAP_SAMPLER = 'heap-sampler.mjs';
const WRITE_TIMEOUT_MS = 30_000;

/** A build started without the sampler would die of SIGUSR2 (Node's default for it). */
export function assertHeapSampler(entry: string): void {
  if (!hashbangNodeFlags(entry).some((flag) => flag.startsWith('--import') && flag.endsWith(HEAP_SAMPLER)))
    throw new Error(
      `${entry} has no heap sampler: make it with "npm run bench:variant -- OUT --heap-sample"`,
    );
}

async function waitFor(file: string, present: boolean, what: string): Promise<void> {
  const deadline = Date.now() + WRITE_TIMEOUT_MS;
  while (existsSync(file) !== present) {
    if (Date.now() > deadline) throw new Error(`heap sampler: ${what} (${file})`);
    await sleep(20);
  }
}

export function createHeapSampling(dir: string) {
  const written = new Map<number, number>();
  return {
    /**
     * Runs `measure` while the build samples; the bytes allocated meanwhile, with the profile
     * kept. Each signal waits for the sampler's answer, since a second signal sent before the
     * first was handled would be lost with it.
     */
    async sample<T>(input: {
      pid: number;
      name: string;
      measure: () => Promise<T>;
    }): Promise<{ result: T; bytes: number }> {
      const marker = join(dir, `heap-${input.pid}.sampling`);
      process.kill(input.pid, 'SIGUSR2');
      await waitFor(marker, true, 'sampling did not start');
      const count = (written.get(input.pid) ?? 0) + 1;
      written.set(input.pid, count);
      const file = join(dir, `heap-${input.pid}-${count}.heapprofile`);
      const kept = join(dir, `${input.name}.heapprofile`);
      let result: T;
      try {
        result = await input.measure();
      } finally {
        // Also when the measure failed: the sampler is stopped and its profile kept, so the
        // next pass starts from a stopped sampler and counts its own profile.
        process.kill(input.pid, 'SIGUSR2');
        await waitFor(marker, false, 'no profile written');
        renameSync(file, kept);
      }
      return { result, bytes: heapProfileBytes(JSON.parse(readFileSync(kept, 'utf8')) as HeapProfile) };
    },
  };
}
