/** The figures of `npm run bench:compare`: one measurement per build, mode and pass. */
import { markdownTable } from './report.js';
import type { Mode } from './targets.js';

export interface ComparePass {
  build: string;
  mode: Mode;
  pass: number;
  cpuMicrosPerRequest: number;
  requestsPerSec: number;
  p50Ms: number;
  peakRssMb: number;
  failed: number;
  /** KB allocated per request, when the pass was heap-sampled (`--heap-sample`). */
  allocatedKb?: number;
}

export interface CompareRow {
  build: string;
  mode: Mode;
  cpuPerPass: number[];
  medianCpu: number;
  medianRps: number;
  medianP50Ms: number;
  peakRssMb: number;
  failed: number;
  medianAllocatedKb?: number;
}

/** The middle value, or the mean of the two middle ones. */
export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** One row per build and mode, in the order first measured. */
export function summarizePasses(passes: ComparePass[]): CompareRow[] {
  const groups = new Map<string, ComparePass[]>();
  for (const pass of passes) {
    const key = `${pass.mode}\u0000${pass.build}`;
    const group = groups.get(key);
    if (group) group.push(pass);
    else groups.set(key, [pass]);
  }
  return [...groups.values()].map((group) => {
    const first = group[0]!;
    const allocated = group.flatMap((pass) => (pass.allocatedKb === undefined ? [] : [pass.allocatedKb]));
    return {
      build: first.build,
      mode: first.mode,
      cpuPerPass: group.map((pass) => pass.cpuMicrosPerRequest),
      medianCpu: median(group.map((pass) => pass.cpuMicrosPerRequest)),
      medianRps: median(group.map((pass) => pass.requestsPerSec)),
      medianP50Ms: median(group.map((pass) => pass.p50Ms)),
      peakRssMb: Math.max(...group.map((pass) => pass.peakRssMb)),
      failed: group.reduce((sum, pass) => sum + pass.failed, 0),
      ...(allocated.length > 0 && { medianAllocatedKb: median(allocated) }),
    };
  });
}

export function renderCompareTable(rows: CompareRow[], connections: number): string {
  const sampled = rows.some((row) => row.medianAllocatedKb !== undefined);
  return markdownTable(
    [
      'mode',
      'build',
      'CPU µs/req per pass',
      'median CPU µs/req',
      'median req/s',
      'median p50 ms',
      'peak RSS MB',
      'failed',
      ...(sampled ? ['median KB allocated/req'] : []),
    ],
    rows.map((row) => [
      `${row.mode}, ${connections} conns`,
      row.build,
      row.cpuPerPass.map((cpu) => cpu.toFixed(0)).join(' / '),
      row.medianCpu.toFixed(0),
      row.medianRps.toFixed(0),
      row.medianP50Ms.toFixed(3),
      row.peakRssMb.toFixed(1),
      String(row.failed),
      ...(sampled ? [row.medianAllocatedKb?.toFixed(1) ?? '–'] : []),
    ]),
  );
}
