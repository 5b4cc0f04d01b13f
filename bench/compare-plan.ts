/**
 * Flags of `npm run bench:compare`: which builds to set side by side, under which load. Each
 * build is a directory holding a bundle at dist/main.js (another commit's worktree after
 * `npm run build`, or one written by `npm run bench:variant`), or the word `floor`, or
 * `floor+N`: the floor with N µs of busy work per request, a stand-in for a gateway's own work,
 * or `floor+store`: the floor that also stores and logs every turn (bench/floor-store.mjs).
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Mode } from './targets.js';

export interface CompareBuild {
  /** What the tables call it: the directory's name, or `floor` / `floor+N` / `floor+store`. */
  label: string;
  kind: 'ours' | 'floor';
  /** Ours: the directory holding dist/main.js. */
  root?: string;
  /** The floor: µs of busy work per request (`floor+N`). */
  workMicros?: number;
  /** The floor: stores and logs every turn (`floor+store`). */
  store?: boolean;
}

export interface ComparePlan {
  modes: Mode[];
  connections: number;
  warmupSec: number;
  seconds: number;
  passes: number;
  builds: CompareBuild[];
  /** Where each measured pass of ours' builds leaves a sampling heap profile (`--heap-sample`). */
  heapSampleDir?: string;
}

export const COMPARE_USAGE = `Usage: npm run bench:compare -- [options] BUILD [BUILD...]
  BUILD            a directory holding dist/main.js (run under the directory's own "node",
                   an executable or a link to one, if it holds one; its node_modules must
                   be built for that Node), "floor" (the bare Node proxy), or
                   "floor+N" (the floor with N µs of busy work per request), or
                   "floor+store" (the floor storing and logging every turn)
  --modes LIST     non-stream,stream (default: both)
  --connections N  concurrent connections (default 16)
  --warmup S       seconds of load on each build before the first pass (default 8)
  --seconds S      seconds per measurement (default 10)
  --passes N       rounds; each measures every build once, in turn (default 3)
  --heap-sample DIR  for builds made by "bench:variant -- OUT --heap-sample": sample what each
                   measured pass allocates, report KB per request, keep the profiles in DIR`;

const MODES: Mode[] = ['non-stream', 'stream'];

function positiveNumber(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`--${name} needs a positive number, got "${text}"`);
  return value;
}

function parseModes(text: string | undefined): Mode[] {
  if (text === undefined) return [...MODES];
  const names = text.split(',').map((name) => name.trim());
  for (const name of names) {
    if (!(MODES as string[]).includes(name))
      throw new Error(`unknown mode "${name}" (use ${MODES.join(', ')})`);
  }
  return MODES.filter((mode) => names.includes(mode));
}

export function parseComparePlan(argv: string[], cwd = process.cwd()): ComparePlan | 'help' {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      modes: { type: 'string' },
      connections: { type: 'string' },
      warmup: { type: 'string' },
      seconds: { type: 'string' },
      passes: { type: 'string' },
      'heap-sample': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) return 'help';
  if (positionals.length === 0) throw new Error('name at least one build to measure');
  const builds = positionals.map((arg): CompareBuild => {
    if (arg === 'floor') return { label: 'floor', kind: 'floor' };
    if (arg === 'floor+store') return { label: arg, kind: 'floor', store: true };
    if (arg.startsWith('floor+')) {
      const digits = arg.slice('floor+'.length);
      const workMicros = Number(digits);
      if (!/^\d+$/.test(digits) || workMicros < 1 || workMicros > 1_000_000)
        throw new Error(`"${arg}": floor+N needs N, the µs of work per request, from 1 to 1000000`);
      return { label: arg, kind: 'floor', workMicros };
    }
    const root = resolve(cwd, arg);
    return { label: root.split('/').filter(Boolean).pop() ?? root, kind: 'ours', root };
  });
  const labels = builds.map((build) => build.label);
  const repeated = labels.find((label, index) => labels.indexOf(label) !== index);
  if (repeated)
    throw new Error(`two builds are both called "${repeated}": give them different directory names`);
  return {
    modes: parseModes(values.modes),
    connections: Math.round(positiveNumber('connections', values.connections, 16)),
    warmupSec: positiveNumber('warmup', values.warmup, 8),
    seconds: positiveNumber('seconds', values.seconds, 10),
    passes: Math.round(positiveNumber('passes', values.passes, 3)),
    builds,
    ...(values['heap-sample'] !== undefined && { heapSampleDir: resolve(cwd, values['heap-sample']) }),
  };
}
