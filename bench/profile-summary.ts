/**
 * `npm run bench:profile -- PROFILE BUNDLE [--by layer|module|function] [--top N] [--requests N]`:
 * a V8 CPU profile (`--cpu-prof`) of a build from `npm run bench:variant -- --no-minify`, its self
 * time summed by layer (`src/<area>` or the npm package), by bundled module, or by function; or a
 * sampling heap profile (`bench:compare --heap-sample`), the bytes allocated summed the same way.
 * An unminified bundle marks where each module starts with a `// path` comment; that is how a
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
/** V8's sampling heap profile: a call tree with the bytes allocated in each frame itself. */
export interface HeapProfileNode {
  callFrame: CallFrame;
  selfSize: number;
  children: HeapProfileNode[];
}
export interface HeapProfile {
  head: HeapProfileNode;
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

interface Grouping {
  /** moduleStarts() of the bundle. */
  starts: [number, string][];
  bundleUrl: string;
  by: GroupBy;
}

function groupOf(frame: CallFrame, grouping: Grouping): string {
  const { starts, by } = grouping;
  if (frame.url !== grouping.bundleUrl) return outsideName(frame, by);
  const module = moduleAt(starts, frame.lineNumber);
  if (by === 'layer') return layerOf(module);
  return by === 'module' ? module : `${frame.functionName || '(anonymous)'} ${module}`;
}

/** Largest first, with each one's share of the total. */
function ranked(
  totals: Map<string, number>,
  total: number,
): { name: string; amount: number; share: number }[] {
  return [...totals]
    .map(([name, amount]) => ({ name, amount, share: total > 0 ? (100 * amount) / total : 0 }))
    .sort((a, b) => b.amount - a.amount);
}

export function summarizeProfile(input: Grouping & { profile: CpuProfile }): {
  busyMicros: number;
  rows: ProfileRow[];
} {
  const { profile } = input;
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
    const name = groupOf(frame, input);
    totals.set(name, (totals.get(name) ?? 0) + micros);
  }
  const rows = ranked(totals, busyMicros).map(({ name, amount, share }) => ({ name, share, micros: amount }));
  return { busyMicros, rows };
}

/** Every node of a heap profile's tree, without recursion (the tree can be deep). */
function* heapNodes(profile: HeapProfile): Generator<HeapProfileNode> {
  const stack = [profile.head];
  for (let node = stack.pop(); node; node = stack.pop()) {
    yield node;
    stack.push(...node.children);
  }
}

/** Every byte the profile saw allocated, wherever. */
export function heapProfileBytes(profile: HeapProfile): number {
  let bytes = 0;
  for (const node of heapNodes(profile)) bytes += node.selfSize;
  return bytes;
}

/** The bytes allocated in each frame itself, summed like CPU time. */
export function summarizeHeapProfile(input: Grouping & { profile: HeapProfile }): {
  totalBytes: number;
  rows: { name: string; share: number; bytes: number }[];
} {
  const totals = new Map<string, number>();
  let totalBytes = 0;
  for (const node of heapNodes(input.profile)) {
    if (node.selfSize === 0) continue;
    totalBytes += node.selfSize;
    const name = groupOf(node.callFrame, input);
    totals.set(name, (totals.get(name) ?? 0) + node.selfSize);
  }
  const rows = ranked(totals, totalBytes).map(({ name, amount, share }) => ({ name, share, bytes: amount }));
  return { totalBytes, rows };
}

const USAGE =
  'Usage: npm run bench:profile -- PROFILE BUNDLE [--by layer|module|function] [--top N] [--requests N]';

function printHeapProfile(input: Grouping & { profile: HeapProfile; top: number; requests?: number }): void {
  const { totalBytes, rows } = summarizeHeapProfile(input);
  const { requests } = input;
  const kb = (bytes: number) => (requests ? bytes / requests : bytes) / 1024;
  console.log(
    `allocated ${(totalBytes / 1024 / 1024).toFixed(1)} MB` +
      (requests ? `, ${kb(totalBytes).toFixed(1)} KB per request over ${requests} requests` : '') +
      ' (sampled by bench:compare --heap-sample, what the collector freed is included)\n',
  );
  const unit = requests ? 'KB per request' : 'KB';
  console.log(`| share | ${unit} | ${input.by} |\n| --- | --- | --- |`);
  for (const row of rows.slice(0, input.top)) {
    console.log(`| ${row.share.toFixed(1)} % | ${kb(row.bytes).toFixed(2)} | ${row.name} |`);
  }
}

function main(): void {
  const { values, positionals } = parseArgs({
    options: {
      by: { type: 'string', default: 'layer' },
      top: { type: 'string', default: '30' },
      requests: { type: 'string' },
    },
    allowPositionals: true,
    strict: true,
  });
  const by = values.by as GroupBy;
  const requests = values.requests === undefined ? undefined : Number(values.requests);
  if (
    positionals.length !== 2 ||
    !['layer', 'module', 'function'].includes(by) ||
    (requests !== undefined && !(Number.isInteger(requests) && requests > 0))
  ) {
    throw new Error(USAGE);
  }
  const [profilePath, bundlePath] = positionals as [string, string];
  const profile = JSON.parse(readFileSync(profilePath, 'utf8')) as CpuProfile | HeapProfile;
  const starts = moduleStarts(readFileSync(bundlePath, 'utf8'));
  if (starts.length === 0) throw new Error(`${bundlePath} has no module comments: build it with --no-minify`);
  const grouping = { starts, bundleUrl: pathToFileURL(bundlePath).href, by };
  const top = Number(values.top);
  if ('head' in profile) return printHeapProfile({ ...grouping, profile, top, requests });
  const { busyMicros, rows } = summarizeProfile({ ...grouping, profile });
  console.log(`busy ${(busyMicros / 1e6).toFixed(2)} s (self time, idle left out)\n`);
  console.log('| share | self ms | ' + by + ' |\n| --- | --- | --- |');
  for (const row of rows.slice(0, top)) {
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
