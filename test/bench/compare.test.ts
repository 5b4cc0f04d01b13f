import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addNodeFlags } from '../../bench/build-variant.js';
import { parseComparePlan } from '../../bench/compare-plan.js';
import {
  median,
  renderCompareTable,
  summarizePasses,
  type ComparePass,
} from '../../bench/compare-summary.js';
import { hashbangNodeFlags, oursNode } from '../../bench/ours.js';
import { buildServer } from '../../scripts/build.js';

describe('bench:compare flags', () => {
  it('takes builds as directories (named by their last segment) or the floor, with defaults', () => {
    const plan = parseComparePlan(['before', '/tmp/x/after/', 'floor'], '/work');
    expect(plan).toEqual({
      modes: ['non-stream', 'stream'],
      connections: 16,
      warmupSec: 8,
      seconds: 10,
      passes: 3,
      builds: [
        { label: 'before', kind: 'ours', root: '/work/before' },
        { label: 'after', kind: 'ours', root: '/tmp/x/after' },
        { label: 'floor', kind: 'floor' },
      ],
    });
  });

  it('takes the floor with busy work per request as floor+N', () => {
    const plan = parseComparePlan(['floor', 'floor+150'], '/work');
    expect(plan !== 'help' && plan.builds).toEqual([
      { label: 'floor', kind: 'floor' },
      { label: 'floor+150', kind: 'floor', workMicros: 150 },
    ]);
    for (const bad of ['floor+', 'floor+0', 'floor+1.5', 'floor+-3', 'floor+x', 'floor+2000000'])
      expect(() => parseComparePlan([bad]), bad).toThrow(/floor\+N needs N/);
  });

  it('takes the floor that stores every turn as floor+store', () => {
    const plan = parseComparePlan(['floor', 'floor+store'], '/work');
    expect(plan !== 'help' && plan.builds).toEqual([
      { label: 'floor', kind: 'floor' },
      { label: 'floor+store', kind: 'floor', store: true },
    ]);
    expect(() => parseComparePlan(['floor+stores'])).toThrow(/floor\+N needs N/);
  });

  it('reads the load options', () => {
    const plan = parseComparePlan([
      '--modes',
      'stream',
      '--connections',
      '1',
      '--seconds',
      '2.5',
      '--passes',
      '5',
      '--warmup',
      '1',
      'a',
    ]);
    expect(plan).toMatchObject({ modes: ['stream'], connections: 1, seconds: 2.5, passes: 5, warmupSec: 1 });
  });

  it('refuses what it cannot measure', () => {
    expect(() => parseComparePlan([])).toThrow(/at least one build/);
    expect(() => parseComparePlan(['--modes', 'fast', 'a'])).toThrow(/unknown mode "fast"/);
    expect(() => parseComparePlan(['--passes', '0', 'a'])).toThrow(/--passes needs a positive number/);
    expect(() => parseComparePlan(['--seconds', 'ten', 'a'])).toThrow(/--seconds needs a positive number/);
    expect(() => parseComparePlan(['x/build', 'y/build'])).toThrow(/both called "build"/);
    expect(() => parseComparePlan(['--bogus', 'a'])).toThrow();
    expect(parseComparePlan(['--help'])).toBe('help');
  });

  it('takes a directory for heap profiles, or none', () => {
    const plan = parseComparePlan(['--heap-sample', 'heaps', 'a'], '/work');
    expect(plan !== 'help' && plan.heapSampleDir).toBe('/work/heaps');
    const without = parseComparePlan(['a'], '/work');
    expect(without !== 'help' && 'heapSampleDir' in without).toBe(false);
  });
});

describe('bench:compare figures', () => {
  const pass = (
    build: string,
    mode: ComparePass['mode'],
    cpu: number,
    rps: number,
    n: number,
  ): ComparePass => ({
    build,
    mode,
    pass: n,
    cpuMicrosPerRequest: cpu,
    requestsPerSec: rps,
    p50Ms: cpu / 100,
    peakRssMb: 100 + n,
    failed: n === 2 ? 1 : 0,
  });

  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('groups passes by mode and build, in the order first measured', () => {
    const rows = summarizePasses([
      pass('a', 'non-stream', 300, 1000, 1),
      pass('b', 'non-stream', 200, 1500, 1),
      pass('a', 'non-stream', 320, 900, 2),
      pass('b', 'non-stream', 260, 1400, 2),
      pass('a', 'non-stream', 280, 1100, 3),
      pass('b', 'stream', 500, 700, 1),
    ]);
    expect(rows.map((row) => [row.mode, row.build])).toEqual([
      ['non-stream', 'a'],
      ['non-stream', 'b'],
      ['stream', 'b'],
    ]);
    expect(rows[0]).toMatchObject({
      cpuPerPass: [300, 320, 280],
      medianCpu: 300,
      medianRps: 1000,
      peakRssMb: 103,
      failed: 1,
    });
    expect(rows[1]).toMatchObject({ cpuPerPass: [200, 260], medianCpu: 230, medianRps: 1450, failed: 1 });
  });

  it('renders one markdown row per build and mode', () => {
    const table = renderCompareTable(summarizePasses([pass('a', 'stream', 512.4, 1999.6, 1)]), 16);
    const lines = table.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('| stream, 16 conns | a | 512 | 512 | 2000 | 5.124 | 101.0 | 0 |');
  });

  it('adds the median KB allocated per request when passes were heap-sampled', () => {
    const sampled = (n: number, allocatedKb: number) => ({
      ...pass('a', 'stream', 500, 2000, n),
      allocatedKb,
    });
    const rows = summarizePasses([
      sampled(1, 110),
      sampled(2, 130),
      sampled(3, 115),
      pass('floor', 'stream', 200, 3000, 1),
    ]);
    expect(rows[0]!.medianAllocatedKb).toBe(115);
    expect('medianAllocatedKb' in rows[1]!).toBe(false);
    const lines = renderCompareTable(rows, 16).split('\n');
    expect(lines[0]).toMatch(/\| median KB allocated\/req \|$/);
    expect(lines[2]).toMatch(/\| 115\.0 \|$/);
    expect(lines[3]).toMatch(/\| – \|$/);
  });
});

describe('bench:compare builds', () => {
  it('takes the build’s own node when the directory holds one, else the benchmark’s', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cas-build-node-'));
    try {
      expect(oursNode(dir)).toBe(process.execPath);
      // A directory that happens to be called node is not a Node.
      await mkdir(join(dir, 'node'));
      expect(oursNode(dir)).toBe(process.execPath);
      await rm(join(dir, 'node'), { recursive: true });
      await symlink(process.execPath, join(dir, 'node'));
      expect(oursNode(dir)).toBe(join(dir, 'node'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('bench:variant', () => {
  it('appends Node flags to the bundle’s first line and refuses anything else', () => {
    const bundle = '#!/usr/bin/env -S node --max-semi-space-size=8\nconsole.log(1);\n';
    expect(addNodeFlags(bundle, ' --cpu-prof  --cpu-prof-dir=/tmp/p ')).toBe(
      '#!/usr/bin/env -S node --max-semi-space-size=8 --cpu-prof --cpu-prof-dir=/tmp/p\nconsole.log(1);\n',
    );
    expect(addNodeFlags(bundle, '')).toBe(bundle);
    expect(() => addNodeFlags(bundle, 'rm -rf')).toThrow(/not a Node flag list/);
    expect(() => addNodeFlags('console.log(1);\n', '--x')).toThrow(/#!/);
  });

  it('builds a bundle the benchmark reads the added flags from, unminified on request', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cas-variant-'));
    try {
      const outfile = join(dir, 'dist', 'main.js');
      await buildServer({ outfile, minify: false });
      const text = await readFile(outfile, 'utf8');
      expect(text).toMatch(/^\/\/ src\/cli\/main\.ts$/m);
      const flagged = join(dir, 'flagged.js');
      await writeFile(flagged, addNodeFlags(text, '--perf-basic-prof'));
      expect(hashbangNodeFlags(flagged)).toEqual([...hashbangNodeFlags(outfile), '--perf-basic-prof']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
