import { describe, expect, it } from 'vitest';
import {
  layerOf,
  moduleAt,
  moduleStarts,
  heapProfileBytes,
  summarizeHeapProfile,
  summarizeProfile,
  type CpuProfile,
  type GroupBy,
  type HeapProfileNode,
} from '../../bench/profile-summary.js';

const BUNDLE = [
  '#!/usr/bin/env -S node',
  'const require = 1;',
  '// node_modules/@fastify/error/index.js',
  'function a() {}',
  '// src/pool/health.ts',
  'function applyOutcome() {}',
  'function other() {}',
  '// src/store/journal.ts',
  'function end() {}',
].join('\n');
const URL = 'file:///tmp/v/dist/main.js';

const frame = (functionName: string, url: string, lineNumber: number) => ({ functionName, url, lineNumber });
/** How the summaries group frames of the test bundle. */
const grouping = (by: GroupBy) => ({ starts: moduleStarts(BUNDLE), bundleUrl: URL, by });

describe('bench:profile', () => {
  it('finds where each bundled module starts and which one a line is in', () => {
    const starts = moduleStarts(BUNDLE);
    expect(starts).toEqual([
      [2, 'node_modules/@fastify/error/index.js'],
      [4, 'src/pool/health.ts'],
      [7, 'src/store/journal.ts'],
    ]);
    expect(moduleAt(starts, 1)).toBe('(bundle preamble)');
    expect(moduleAt(starts, 3)).toBe('node_modules/@fastify/error/index.js');
    expect(moduleAt(starts, 6)).toBe('src/pool/health.ts');
    expect(moduleAt(starts, 8)).toBe('src/store/journal.ts');
  });

  it('names a layer by the source area or the package', () => {
    expect(layerOf('src/pool/health.ts')).toBe('src/pool');
    expect(layerOf('node_modules/@fastify/error/index.js')).toBe('@fastify/error');
    expect(layerOf('node_modules/pino/lib/tools.js')).toBe('pino');
  });

  it('sums self time by layer, module or function, idle left out', () => {
    const profile: CpuProfile = {
      nodes: [
        { id: 1, callFrame: frame('(idle)', '', -1) },
        { id: 2, callFrame: frame('applyOutcome', URL, 5) },
        { id: 3, callFrame: frame('other', URL, 6) },
        { id: 4, callFrame: frame('end', URL, 8) },
        {
          id: 5,
          callFrame: frame('sqliteTransaction', 'file:///r/node_modules/better-sqlite3/lib/t.js', 50),
        },
        { id: 6, callFrame: frame('(garbage collector)', '', -1) },
      ],
      samples: [1, 2, 3, 4, 5, 6, 2, 1],
      timeDeltas: [500, 100, 200, 300, 250, 150, 100, 500],
    };
    const byLayer = summarizeProfile({ profile, ...grouping('layer') });
    expect(byLayer.busyMicros).toBe(1100);
    expect(byLayer.rows.map((row) => [row.name, row.micros])).toEqual([
      ['src/pool', 400],
      ['src/store', 300],
      ['better-sqlite3', 250],
      ['(garbage collector)', 150],
    ]);
    expect(byLayer.rows[0]!.share).toBeCloseTo((100 * 400) / 1100, 6);
    const byFunction = summarizeProfile({ profile, ...grouping('function') });
    expect(byFunction.rows.map((row) => row.name)).toContain('applyOutcome src/pool/health.ts');
    expect(byFunction.rows.map((row) => row.name)).toContain(
      'sqliteTransaction node_modules/better-sqlite3/lib/t.js:51',
    );
    const byModule = summarizeProfile({ profile, ...grouping('module') });
    expect(byModule.rows[0]).toMatchObject({ name: 'src/pool/health.ts', micros: 400 });
  });

  it('sums the bytes allocated in each frame of a heap profile the same ways, deep trees included', () => {
    const node = (
      callFrame: ReturnType<typeof frame>,
      selfSize: number,
      children: HeapProfileNode[] = [],
    ): HeapProfileNode => ({ callFrame, selfSize, children });
    // A chain deeper than a recursive walk would survive, ending in the frames that allocate.
    let deep = node(frame('end', URL, 8), 300, [node(frame('(V8 API)', '', -1), 50)]);
    for (let depth = 0; depth < 20_000; depth++) deep = node(frame('other', URL, 6), 0, [deep]);
    const profile = {
      head: node(frame('(root)', '', -1), 0, [
        node(frame('applyOutcome', URL, 5), 1000, [deep]),
        node(frame('_asJson', 'file:///r/node_modules/pino/lib/tools.js', 9), 400),
      ]),
    };
    expect(heapProfileBytes(profile)).toBe(1750);
    const byLayer = summarizeHeapProfile({ profile, ...grouping('layer') });
    expect(byLayer.totalBytes).toBe(1750);
    expect(byLayer.rows.map((row) => [row.name, row.bytes])).toEqual([
      ['src/pool', 1000],
      ['pino', 400],
      ['src/store', 300],
      ['(V8 API)', 50],
    ]);
    expect(byLayer.rows[1]!.share).toBeCloseTo((100 * 400) / 1750, 6);
    const byFunction = summarizeHeapProfile({ profile, ...grouping('function') });
    expect(byFunction.rows.map((row) => row.name)).toContain('_asJson node_modules/pino/lib/tools.js:10');
  });
});
