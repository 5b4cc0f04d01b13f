/** The targets, checked against one run's numbers (same machine, same run). */
import {
  findCase,
  type CaseResult,
  type FirstByteEntry,
  type MemoryResult,
  type TargetCheck,
} from './results.js';
import type { Mode } from './targets.js';

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

function check(
  base: Omit<TargetCheck, 'met' | 'measured'>,
  value: number | undefined,
  test: (value: number) => boolean,
  show: (value: number) => string,
  missing: string,
): TargetCheck {
  if (value === undefined || !Number.isFinite(value)) return { ...base, note: missing };
  return { ...base, measured: show(value), met: test(value) };
}

const us = (value: number): string => `${value.toFixed(0)} µs`;
const ms = (value: number): string => `${value.toFixed(3)} ms`;
const times = (value: number): string => `${value.toFixed(1)}×`;
const mb = (value: number): string => `${value.toFixed(1)} MB`;

function v1(cases: CaseResult[], mode: Mode, target: 'direct' | 'ours' | 'portkey', connections: number) {
  return findCase(cases, { api: 'v1', mode, connections, target });
}

export function evaluateTargets({ cases, firstByte, memory }: CheckInput): TargetCheck[] {
  const c = THROUGHPUT_CONNECTIONS;
  const noOurs = 'ours not measured';
  const noPeer = 'ours or Portkey not measured';
  const checks: TargetCheck[] = [];
  for (const mode of ['non-stream', 'stream'] as const) {
    const limit = mode === 'stream' ? TARGETS.cpuStreamUs : TARGETS.cpuNonStreamUs;
    const ours = v1(cases, mode, 'ours', c);
    const peer = v1(cases, mode, 'portkey', c);
    checks.push(
      check(
        { id: `cpu-${mode}`, description: `CPU per ${mode} request (${c} conns)`, goal: `≤ ${limit} µs` },
        ours?.gatewayCpuUs,
        (v) => v <= limit,
        us,
        noOurs,
      ),
      check(
        {
          id: `cpu-vs-portkey-${mode}`,
          description: `CPU, Portkey/ours, ${mode}`,
          goal: `≥ ${TARGETS.cpuVsPortkey}×`,
        },
        ratio(peer?.gatewayCpuUs, ours?.gatewayCpuUs),
        (v) => v >= TARGETS.cpuVsPortkey,
        times,
        noPeer,
      ),
      check(
        {
          id: `throughput-vs-portkey-${mode}`,
          description: `Throughput, ours/Portkey, ${mode} (${c} conns)`,
          goal: `≥ ${TARGETS.throughputVsPortkey}×`,
        },
        ratio(ours?.rps, peer?.rps),
        (v) => v >= TARGETS.throughputVsPortkey,
        times,
        noPeer,
      ),
    );
  }
  const ours1 = v1(cases, 'non-stream', 'ours', 1);
  const direct1 = v1(cases, 'non-stream', 'direct', 1);
  checks.push(
    check(
      {
        id: 'added-latency',
        description: 'Added latency, non-stream, 1 conn (mean)',
        goal: `≤ ${TARGETS.addedLatencyMs} ms`,
      },
      ours1 && direct1 ? ours1.latencyMeanMs! - direct1.latencyMeanMs! : undefined,
      (v) => v <= TARGETS.addedLatencyMs,
      ms,
      noOurs,
    ),
  );
  const oursFirst = firstByte.find((f) => f.target === 'ours' && f.status === 'ok');
  const directFirst = firstByte.find((f) => f.target === 'direct' && f.status === 'ok');
  checks.push(
    check(
      {
        id: 'first-byte',
        description: 'First streamed byte after upstream’s (p50)',
        goal: `≤ ${TARGETS.firstByteAddedMs} ms`,
      },
      oursFirst && directFirst ? oursFirst.p50Ms! - directFirst.p50Ms! : undefined,
      (v) => v <= TARGETS.firstByteAddedMs,
      ms,
      noOurs,
    ),
  );
  const oursPeaks = cases
    .filter((k) => k.status === 'ok' && k.target === 'ours' && k.gatewayPeakRssMb !== undefined)
    .map((k) => k.gatewayPeakRssMb!);
  checks.push(
    check(
      { id: 'peak-rss', description: 'Peak RSS under load', goal: `≤ ${TARGETS.peakRssMb} MB` },
      oursPeaks.length > 0 ? Math.max(...oursPeaks) : undefined,
      (v) => v <= TARGETS.peakRssMb,
      mb,
      noOurs,
    ),
  );
  const allOpen = memory.status === 'ok' && memory.opened === memory.requested;
  const streams = check(
    {
      id: 'open-streams-rss',
      description: 'RSS with 1,000 open slow streams',
      goal: `≤ ${TARGETS.openStreamsRssMb} MB`,
    },
    memory.status === 'ok' ? memory.peakRssMb : undefined,
    (v) => v <= TARGETS.openStreamsRssMb && allOpen,
    mb,
    memory.status === 'ok' ? '' : memory.note,
  );
  if (memory.status === 'ok' && !allOpen)
    streams.note = `only ${memory.opened} of ${memory.requested} opened`;
  checks.push(streams);
  return checks;
}
