import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertHeapSampler, createHeapSampling } from '../../bench/heap-sample.js';

const sampler = join(import.meta.dirname, '..', '..', 'bench', 'heap-sampler.mjs');

/** Allocates ~1 MB every 10 ms while the file `allocating` exists; says when it is ready. */
const WORKER = `
import { existsSync } from 'node:fs';
const flag = process.argv[2];
let kept;
setInterval(() => {
  if (!existsSync(flag)) return;
  for (let i = 0; i < 1000; i++) kept = { text: 'x'.repeat(1000) + i };
}, 10);
console.log('ready');
`;

describe('bench:compare --heap-sample', () => {
  let dir: string;
  let child: ChildProcess;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cas-heap-'));
    await writeFile(join(dir, 'worker.mjs'), WORKER);
    child = spawn(
      process.execPath,
      [`--import=${sampler}`, join(dir, 'worker.mjs'), join(dir, 'allocating')],
      {
        env: { ...process.env, HEAP_SAMPLE_DIR: dir },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    await new Promise<void>((ready) => child.stdout!.once('data', () => ready()));
  });

  afterAll(async () => {
    child?.kill();
    await rm(dir, { recursive: true, force: true });
  });

  /** The worker allocates while the file is there. */
  async function allocateFor(ms: number): Promise<void> {
    await writeFile(join(dir, 'allocating'), '');
    await sleep(ms);
    await rm(join(dir, 'allocating'));
  }

  it('samples what a process allocates between two signals, freed objects included, and keeps the profile', async () => {
    const sampling = createHeapSampling(dir);
    const quiet = await sampling.sample({ pid: child.pid!, name: 'quiet', measure: () => sleep(300) });
    expect(quiet.result).toBeUndefined();
    const busy = await sampling.sample({
      pid: child.pid!,
      name: 'busy',
      measure: async () => {
        await allocateFor(300);
        return 'measured';
      },
    });
    expect(busy.result).toBe('measured');
    // ~1 KB a string, 1,000 every 10 ms for 300 ms: ~30 MB, of which one object stays alive.
    expect(busy.bytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(quiet.bytes).toBeLessThan(busy.bytes / 10);
    expect((await readdir(dir)).filter((name) => name.endsWith('.heapprofile')).sort()).toEqual([
      'busy.heapprofile',
      'quiet.heapprofile',
    ]);
    expect(existsSync(join(dir, `heap-${child.pid}-1.heapprofile`))).toBe(false);

    // A pass that fails still ends the sampling, and is kept under its name, not as the next one's.
    await expect(
      sampling.sample({
        pid: child.pid!,
        name: 'failed',
        measure: async () => {
          await allocateFor(300);
          throw new Error('the load failed');
        },
      }),
    ).rejects.toThrow('the load failed');
    const after = await sampling.sample({ pid: child.pid!, name: 'after', measure: () => sleep(300) });
    expect(after.bytes).toBeLessThan(busy.bytes / 10);
    const left = await readdir(dir);
    expect(left.filter((name) => name.endsWith('.heapprofile')).sort()).toEqual([
      'after.heapprofile',
      'busy.heapprofile',
      'failed.heapprofile',
      'quiet.heapprofile',
    ]);
    expect(left.some((name) => name.endsWith('.sampling'))).toBe(false);
  });

  it('refuses a build without the sampler, which SIGUSR2 would kill', async () => {
    const plain = join(dir, 'plain.js');
    await writeFile(plain, '#!/usr/bin/env -S node --max-semi-space-size=8\n');
    expect(() => assertHeapSampler(plain)).toThrow(/no heap sampler/);
    const sampled = join(dir, 'sampled.js');
    await writeFile(sampled, `#!/usr/bin/env -S node --max-semi-space-size=8 --import=${sampler}\n`);
    expect(() => assertHeapSampler(sampled)).not.toThrow();
  });
});
