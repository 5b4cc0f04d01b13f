/** Command-line flags → what to run and for how long (`--quick` < 1 min, full < 10 min). */
import { parseArgs } from 'node:util';
import type { TargetName } from './targets.js';

export interface BenchPlan {
  mode: 'quick' | 'full';
  targets: TargetName[];
  /** Load on each target before its first measurement (Node needs ~10 s to reach full speed). */
  warmupSec: number;
  caseSec: number;
  /** Measured runs per case, alternating targets within each round. */
  rounds: number;
  connections: number[];
  apiChatConnections: number[];
  /** Sequential streamed requests per target for the first-byte time. */
  firstByteCount: number;
  firstByteBatch: number;
  slowStreams: { count: number; holdMs: number; openTimeoutMs: number; chunkDelayMs: number };
}

export const USAGE = `Usage: npm run bench -- [--quick] [--targets direct,floor,floor-store,ours,portkey]
  --quick     short runs (under a minute); the full run takes a few minutes
  --targets   which targets to measure (default: all five; --quick leaves out floor-store).
              floor is a bare Node proxy, floor-store the same proxy storing and logging every turn`;

const ALL_TARGETS: TargetName[] = ['direct', 'floor', 'floor-store', 'ours', 'portkey'];
/** The quick run's default: the storing floor would take it past a minute on a slow machine. */
const QUICK_TARGETS: TargetName[] = ['direct', 'floor', 'ours', 'portkey'];

export function parsePlan(argv: string[]): BenchPlan | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      targets: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const targets = parseTargets(values.targets, values.quick ? QUICK_TARGETS : ALL_TARGETS);
  const slow = { count: 1000, chunkDelayMs: 2000 };
  if (values.quick) {
    // Under a minute on a fresh clone, build included (~7 s in CI): slow streams whose first byte
    // comes after 1 s, so the thousand open in half the time. Shorter loads would not help:
    // autocannon stops on its 1 s tick, so a case (and each half of a warm-up) lasts a second.
    return {
      mode: 'quick',
      targets,
      warmupSec: 1.5,
      caseSec: 0.75,
      rounds: 1,
      // The connection counts the targets are read at; 64 is left to the full run. On a slow
      // machine (setup alone took ~17 s there, the build included) it kept the run under a minute.
      connections: [1, 16],
      apiChatConnections: [1, 16],
      firstByteCount: 40,
      firstByteBatch: 20,
      slowStreams: { ...slow, chunkDelayMs: 1000, holdMs: 1000, openTimeoutMs: 10_000 },
    };
  }
  return {
    mode: 'full',
    targets,
    warmupSec: 10,
    caseSec: 5,
    rounds: 2,
    connections: [1, 16, 64],
    apiChatConnections: [1, 16],
    firstByteCount: 300,
    firstByteBatch: 50,
    slowStreams: { ...slow, holdMs: 5000, openTimeoutMs: 30_000 },
  };
}

export function parseTargets(text: string | undefined, defaults = ALL_TARGETS): TargetName[] {
  if (text === undefined) return [...defaults];
  const names = text
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  for (const name of names) {
    if (!(ALL_TARGETS as string[]).includes(name)) {
      throw new Error(`unknown target "${name}" (use ${ALL_TARGETS.join(', ')})`);
    }
  }
  if (names.length === 0) throw new Error('--targets needs at least one target');
  return ALL_TARGETS.filter((name) => names.includes(name));
}
