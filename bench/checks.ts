/** The targets, checked against one run's numbers (same machine, same run). */
import {
  findCase,
  type CaseResult,
  type FirstByteEntry,
  type MemoryResult,
  type TargetCheck,
} from './results.js';
import type { Mode, TargetName } from './targets.js';

export const TARGETS = {
  cpuNonStreamUs: 120,
  cpuStreamUs: 200,
  cpuVsPortkey: 10,
  throughputVsPortkey: 8,
  addedLatencyMs: 0.3,
  firstByteAddedMs: 0.5,
  peakRssMb: 120,
  openStreamsRssMb: 150,
} as const;

/** The connection count the per-request CPU and throughput targets are read at. */
export const THROUGHPUT_CONNECTIONS = 16;

export interface CheckInput {
  cases: CaseResult[];
  firstByte: FirstByteEntry[];
  memory: MemoryResult;
}

/** a/b, or undefined when either side is missing or b is zero. */
export function ratio(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0)
    return undefined;
  return a / b;
}

const us = (value: number): string => `${value.toFixed(0)} µs`;
const ms = (value: number): string => `${value.toFixed(3)} ms`;
const times = (value: number): string => `${value.toFixed(1)}×`;
const mb = (value: number): string => `${value.toFixed(1)} MB`;

type Gateway = 'ours' | 'floor' | 'floor-store';

/** One target: how to read its value for a gateway, and what meets it. */
interface TargetSpec {
  id: string;
  description: string;
  goal: string;
  value(gateway: Gateway): number | undefined;
  meets(value: number): boolean;
  show(value: number): string;
  /** Why ours has no value (default: not measured). */
  missing?: string;
}

const finite = (value: number | undefined): value is number => value !== undefined && Number.isFinite(value);

/** Ours decides; the floors' values of the same measure are shown beside it, for scale. */
function evaluate(spec: TargetSpec): TargetCheck {
  const { id, description, goal } = spec;
  const base: TargetCheck = { id, description, goal };
  const floor = spec.value('floor');
  if (finite(floor)) base.floor = spec.show(floor);
  const storingFloor = spec.value('floor-store');
  if (finite(storingFloor)) base.storingFloor = spec.show(storingFloor);
  const value = spec.value('ours');
  if (!finite(value)) return { ...base, note: spec.missing ?? 'ours not measured' };
  return { ...base, measured: spec.show(value), met: spec.meets(value) };
}

function largestPeakRss(cases: CaseResult[], gateway: Gateway): number | undefined {
  const peaks = cases
    .filter((k) => k.status === 'ok' && k.target === gateway && k.gatewayPeakRssMb !== undefined)
    .map((k) => k.gatewayPeakRssMb!);
  return peaks.length > 0 ? Math.max(...peaks) : undefined;
}

export function evaluateTargets({ cases, firstByte, memory }: CheckInput): TargetCheck[] {
  const v1 = (mode: Mode, target: TargetName, connections: number) =>
    findCase(cases, { api: 'v1', mode, connections, target });
  const c = THROUGHPUT_CONNECTIONS;
  const noPeer = 'ours or Portkey not measured';
  const specs: TargetSpec[] = [];
  for (const mode of ['non-stream', 'stream'] as const) {
    const limit = mode === 'stream' ? TARGETS.cpuStreamUs : TARGETS.cpuNonStreamUs;
    const peer = v1(mode, 'portkey', c);
    specs.push(
      {
        id: `cpu-${mode}`,
        description: `CPU per ${mode} request (${c} conns)`,
        goal: `≤ ${limit} µs`,
        value: (g) => v1(mode, g, c)?.gatewayCpuUs,
        meets: (v) => v <= limit,
        show: us,
      },
      {
        id: `cpu-vs-portkey-${mode}`,
        description: `CPU, Portkey/ours, ${mode}`,
        goal: `≥ ${TARGETS.cpuVsPortkey}×`,
        value: (g) => ratio(peer?.gatewayCpuUs, v1(mode, g, c)?.gatewayCpuUs),
        meets: (v) => v >= TARGETS.cpuVsPortkey,
        show: times,
        missing: noPeer,
      },
      {
        id: `throughput-vs-portkey-${mode}`,
        description: `Throughput, ours/Portkey, ${mode} (${c} conns)`,
        goal: `≥ ${TARGETS.throughputVsPortkey}×`,
        value: (g) => ratio(v1(mode, g, c)?.rps, peer?.rps),
        meets: (v) => v >= TARGETS.throughputVsPortkey,
        show: times,
        missing: noPeer,
      },
    );
  }
  const direct1 = v1('non-stream', 'direct', 1);
  const firstByteOf = (target: TargetName) =>
    firstByte.find((f) => f.target === target && f.status === 'ok')?.p50Ms;
  const directFirst = firstByteOf('direct');
  const allOpen = memory.status === 'ok' && memory.opened === memory.requested;
  specs.push(
    {
      id: 'added-latency',
      description: 'Added latency, non-stream, 1 conn (mean)',
      goal: `≤ ${TARGETS.addedLatencyMs} ms`,
      value: (g) => {
        const mean = v1('non-stream', g, 1)?.latencyMeanMs;
        return finite(mean) && finite(direct1?.latencyMeanMs) ? mean - direct1.latencyMeanMs : undefined;
      },
      meets: (v) => v <= TARGETS.addedLatencyMs,
      show: ms,
    },
    {
      id: 'first-byte',
      description: 'First streamed byte after upstream’s (p50)',
      goal: `≤ ${TARGETS.firstByteAddedMs} ms`,
      value: (g) => {
        const p50 = firstByteOf(g);
        return finite(p50) && finite(directFirst) ? p50 - directFirst : undefined;
      },
      meets: (v) => v <= TARGETS.firstByteAddedMs,
      show: ms,
    },
    {
      id: 'peak-rss',
      description: 'Peak RSS under load',
      goal: `≤ ${TARGETS.peakRssMb} MB`,
      value: (g) => largestPeakRss(cases, g),
      meets: (v) => v <= TARGETS.peakRssMb,
      show: mb,
    },
    {
      id: 'open-streams-rss',
      description: 'RSS with 1,000 open slow streams',
      goal: `≤ ${TARGETS.openStreamsRssMb} MB`,
      // Held through ours only: the floor has no slow upstream to hold them on.
      value: (g) => (g === 'ours' && memory.status === 'ok' ? memory.peakRssMb : undefined),
      meets: (v) => v <= TARGETS.openStreamsRssMb && allOpen,
      show: mb,
      missing: memory.status === 'ok' ? '' : memory.note,
    },
  );
  const checks = specs.map(evaluate);
  const streams = checks.find((k) => k.id === 'open-streams-rss');
  if (streams && memory.status === 'ok' && !allOpen)
    streams.note = `only ${memory.opened} of ${memory.requested} opened`;
  return checks;
}
