/**
 * `npm run bench:profile -- PROFILE BUNDLE [--by layer|module|function] [--top N]`: a V8 CPU
 * profile (`--cpu-prof`) of a build from `npm run bench:variant -- --no-minify`, its self time
 * summed by layer (`src/<area>` or the npm package), by bundled module, or by function. An
 * unminified bundle marks where each module starts with a `// path` comment; that is how a
 * sample in the one file is traced back to its module. Time outside the bundle (Node's own
 * modules, native code, the collector) is grouped by its URL or V8's name for it.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';

export type GroupBy = 'layer' | 'module' | 'function';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
export interface CpuProfile {
  nodes: { id: number; callFrame: CallFrame }[];
  samples: number[];
  timeDeltas: number[];
}
export interface ProfileRow {
  name: string;
  /** Share of the busy (non-idle) time, in per cent. */
  share: number;
  micros: number;
}

/** Where each module of an unminified esbuild bundle starts: [0-based line, path], in order. */
export function moduleStarts(bundle: string): [number, string][] {
  const starts: [number, string][] = [];
  bundle.split('\n').forEach((line, index) => {
    const match = /^\/\/ ((?:src|node_modules)\/\S+)$/.exec(line);
    if (match) starts.push([index, match[1]!]);
  });
  return starts;
}

export function moduleAt(starts: [number, string][], line: number): string {
  let low = 0;
  let high = starts.length - 1;
  let found = '(bundle preamble)';
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (starts[middle]![0] <= line) {
      found = starts[middle]![1];
      low = middle + 1;
    } else high = middle - 1;
  }
  return found;
}

/** `src/pool/health.ts` → `src/pool`; `node_modules/@fastify/x/lib/a.js` → `@fastify/x`. */
export function layerOf(module: string): string {
  if (module.startsWith('src/')) return module.split('/').slice(0, 2).join('/');
  const match = /^node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(module);
  return match ? match[1]! : module;
}

function outsideName(frame: CallFrame, by: GroupBy): string {
  if (!frame.url) return frame.functionName || '(anonymous)';
  const packagePath = /\/(node_modules\/.*)$/.exec(frame.url)?.[1];
  const where = packagePath ?? frame.url;
  if (by === 'function') return `${frame.functionName || '(anonymous)'} ${where}:${frame.lineNumber + 1}`;
  if (by === 'module') return where;
  return packagePath ? layerOf(packagePath) : where.startsWith('node:') ? where.split('/')[0]! : where;
}

export function summarizeProfile(input: {
  profile: CpuProfile;
  /** moduleStarts() of the bundle. */
  starts: [number, string][];
  bundleUrl: string;
  by: GroupBy;
}): {
  busyMicros: number;
  rows: ProfileRow[];
} {
  const { profile, starts, by } = input;
  const selfMicros = new Map<number, number>();
  profile.samples.forEach((id, index) =>
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)),
  );
  const totals = new Map<string, number>();
  let busyMicros = 0;
  for (const node of profile.nodes) {
    const micros = selfMicros.get(node.id) ?? 0;
    const frame = node.callFrame;
    if (micros === 0 || frame.functionName === '(idle)') continue;
    busyMicros += micros;
    let name: string;
    if (frame.url === input.bundleUrl) {
      const module = moduleAt(starts, frame.lineNumber);
      name =
        by === 'layer'
          ? layerOf(module)
          : by === 'module'
            ? module
            : `${frame.functionName || '(anonymous)'} ${module}`;
    } else name = outsideName(frame, by);
    totals.set(name, (totals.get(name) ?? 0) + micros);
  }
  const rows = [...totals]
    .map(([name, micros]) => ({ name, micros, share: busyMicros > 0 ? (100 * micros) / busyMicros : 0 }))
    .sort((a, b) => b.micros - a.micros);
  return { busyMicros, rows };
}

function main(): void {
  const { values, positionals } = parseArgs({
    options: { by: { type: 'string', default: 'layer' }, top: { type: 'string', default: '30' } },
    allowPositionals: true,
    strict: true,
  });
  const by = values.by as GroupBy;
  if (positionals.length !== 2 || !['layer', 'module', 'function'].includes(by)) {
    throw new Error('Usage: npm run bench:profile -- PROFILE BUNDLE [--by layer|module|function] [--top N]');
  }
  const [profilePath, bundlePath] = positionals as [string, string];
  const profile = JSON.parse(readFileSync(profilePath, 'utf8')) as CpuProfile;
  const starts = moduleStarts(readFileSync(bundlePath, 'utf8'));
  if (starts.length === 0) throw new Error(`${bundlePath} has no module comments: build it with --no-minify`);
  const { busyMicros, rows } = summarizeProfile({
    profile,
    starts,
    bundleUrl: pathToFileURL(bundlePath).href,
    by,
  });
  console.log(`busy ${(busyMicros / 1e6).toFixed(2)} s (self time, idle left out)\n`);
  console.log('| share | self ms | ' + by + ' |\n| --- | --- | --- |');
  for (const row of rows.slice(0, Number(values.top))) {
    console.log(`| ${row.share.toFixed(1)} % | ${(row.micros / 1000).toFixed(0)} | ${row.name} |`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    main();
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
