import { describe, expect, it } from 'vitest';
import { evaluateTargets, ratio } from '../../bench/checks.js';
import type { Measurement } from '../../bench/measure.js';
import { parsePlan, parseTargets } from '../../bench/plan.js';
import { cpuMicrosPerRequest, parseProcStat, parseStatusKb } from '../../bench/proc.js';
import { renderMarkdown } from '../../bench/report.js';
import { combineRounds, type BenchReport, type CaseResult } from '../../bench/results.js';
import { latencyStats, percentile } from '../../bench/stats.js';

const STAT_LINE =
  '4242 (node (bench) x) S 1 4242 4242 0 -1 4194560 5000 0 0 0 1234 567 0 0 20 0 11 0 100 1000000 20000 ' +
  '18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0';

describe('/proc parsing', () => {
  it('reads utime and stime even when the command name holds spaces and parentheses', () => {
    expect(parseProcStat(STAT_LINE)).toEqual({ utime: 1234, stime: 567 });
  });

  it('rejects a line that is not a stat line', () => {
    expect(() => parseProcStat('garbage')).toThrow(/malformed/);
  });

  it('reads VmRSS and VmHWM in kB from a status file', () => {
    const status = 'Name:\tnode\nVmPeak:\t 999 kB\nVmHWM:\t  81234 kB\nVmRSS:\t   70000 kB\nThreads:\t11\n';
    expect(parseStatusKb(status, 'VmRSS')).toBe(70000);
    expect(parseStatusKb(status, 'VmHWM')).toBe(81234);
    expect(parseStatusKb('Name:\tnode\n', 'VmRSS')).toBeUndefined();
  });

  it('divides the CPU time spent by the requests served', () => {
    expect(cpuMicrosPerRequest({ beforeMicros: 1_000_000, afterMicros: 1_500_000, requests: 5000 })).toBe(
      100,
    );
    expect(cpuMicrosPerRequest({ beforeMicros: 0, afterMicros: 10, requests: 0 })).toBeNaN();
  });
});

describe('statistics', () => {
  it('takes nearest-rank percentiles and the mean', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i); // 100 … 1, unsorted
    expect(percentile(Float64Array.from(samples).sort(), 50)).toBe(50);
    expect(latencyStats(samples)).toEqual({ mean: 50.5, p50: 50, p99: 99 });
    expect(latencyStats([]).mean).toBeNaN();
  });

  it('merges rounds: throughput over total time, CPU weighted by requests, peak RSS as the largest', () => {
    const round = (ok: number, cpu: number, rss: number): Measurement => ({
      load: {
        ok,
        non2xx: 0,
        errors: 0,
        timeouts: 0,
        elapsedSec: 1,
        rps: ok,
        latency: { mean: 1, p50: 1, p99: 2 },
      },
      gatewayCpuUs: cpu,
      simCpuUs: 10,
      gatewayPeakRssMb: rss,
    });
    const merged = combineRounds([round(1000, 100, 80), round(3000, 60, 95)]);
    expect(merged.rps).toBe(2000);
    expect(merged.gatewayCpuUs).toBe(70);
    expect(merged.gatewayPeakRssMb).toBe(95);
    expect(merged.requests).toBe(4000);
  });
});

function okCase(
  partial: Partial<CaseResult> & Pick<CaseResult, 'mode' | 'connections' | 'target'>,
): CaseResult {
  return { api: 'v1', status: 'ok', ...partial };
}

describe('target evaluation', () => {
  const cases: CaseResult[] = [
    okCase({
      mode: 'non-stream',
      connections: 16,
      target: 'ours',
      rps: 9000,
      gatewayCpuUs: 100,
      gatewayPeakRssMb: 90,
    }),
    okCase({ mode: 'non-stream', connections: 16, target: 'portkey', rps: 1000, gatewayCpuUs: 1300 }),
    okCase({
      mode: 'stream',
      connections: 16,
      target: 'ours',
      rps: 3000,
      gatewayCpuUs: 250,
      gatewayPeakRssMb: 130,
    }),
    okCase({ mode: 'stream', connections: 16, target: 'portkey', rps: 500, gatewayCpuUs: 2000 }),
    okCase({ mode: 'non-stream', connections: 1, target: 'ours', latencyMeanMs: 0.45 }),
    okCase({ mode: 'non-stream', connections: 1, target: 'direct', latencyMeanMs: 0.1 }),
  ];
  const checks = evaluateTargets({
    cases,
    firstByte: [
      { target: 'direct', status: 'ok', p50Ms: 0.4 },
      { target: 'ours', status: 'ok', p50Ms: 0.7 },
    ],
    memory: {
      status: 'ok',
      requested: 1000,
      opened: 990,
      failed: 10,
      failures: { 'HTTP 429': 10 },
      rssBeforeMb: 80,
      peakRssMb: 120,
    },
  });
  const byId = (id: string) => checks.find((c) => c.id === id);

  it('marks each target met or not met from the numbers', () => {
    expect(byId('cpu-non-stream')).toMatchObject({ met: true, measured: '100 µs' });
    expect(byId('cpu-stream')).toMatchObject({ met: false, measured: '250 µs' });
    expect(byId('cpu-vs-portkey-non-stream')).toMatchObject({ met: true, measured: '13.0×' });
    expect(byId('cpu-vs-portkey-stream')).toMatchObject({ met: false, measured: '8.0×' });
    expect(byId('throughput-vs-portkey-non-stream')).toMatchObject({ met: true, measured: '9.0×' });
    expect(byId('throughput-vs-portkey-stream')).toMatchObject({ met: false, measured: '6.0×' });
    expect(byId('added-latency')).toMatchObject({ met: false, measured: '0.350 ms' });
    expect(byId('first-byte')).toMatchObject({ met: true, measured: '0.300 ms' });
    expect(byId('peak-rss')).toMatchObject({ met: false, measured: '130.0 MB' });
  });

  it('does not count the open-streams memory case as met when some streams never opened', () => {
    expect(byId('open-streams-rss')).toMatchObject({ met: false, note: 'only 990 of 1000 opened' });
  });

  it('reports a target it could not measure as n/a rather than met', () => {
    const none = evaluateTargets({
      cases: [],
      firstByte: [],
      memory: { status: 'unavailable', note: 'not yet' },
    });
    expect(none.every((c) => c.met === undefined)).toBe(true);
    expect(none.find((c) => c.id === 'open-streams-rss')?.note).toBe('not yet');
  });

  it('shows the floor and the storing floor beside each target without letting them decide', () => {
    const withFloor = evaluateTargets({
      cases: [
        ...cases,
        okCase({ mode: 'non-stream', connections: 16, target: 'floor', rps: 12000, gatewayCpuUs: 80 }),
        okCase({ mode: 'non-stream', connections: 1, target: 'floor', latencyMeanMs: 0.3 }),
        okCase({ mode: 'stream', connections: 16, target: 'floor', gatewayPeakRssMb: 140 }),
        okCase({ mode: 'non-stream', connections: 16, target: 'floor-store', rps: 10000, gatewayCpuUs: 130 }),
        okCase({ mode: 'non-stream', connections: 1, target: 'floor-store', latencyMeanMs: 0.45 }),
      ],
      firstByte: [
        { target: 'direct', status: 'ok', p50Ms: 0.4 },
        { target: 'floor', status: 'ok', p50Ms: 0.55 },
        { target: 'floor-store', status: 'ok', p50Ms: 0.7 },
      ],
      memory: { status: 'unavailable', note: 'not yet' },
    });
    const find = (id: string) => withFloor.find((c) => c.id === id);
    expect(find('cpu-non-stream')).toMatchObject({
      met: true,
      measured: '100 µs',
      floor: '80 µs',
      storingFloor: '130 µs',
    });
    expect(find('cpu-vs-portkey-non-stream')).toMatchObject({ measured: '13.0×', floor: '16.3×' });
    expect(find('throughput-vs-portkey-non-stream')).toMatchObject({ floor: '12.0×' });
    expect(find('added-latency')).toMatchObject({
      measured: '0.350 ms',
      floor: '0.200 ms',
      storingFloor: '0.350 ms',
    });
    expect(find('first-byte')).toMatchObject({
      floor: '0.150 ms',
      storingFloor: '0.300 ms',
      note: 'ours not measured',
    });
    expect(find('first-byte')?.met).toBeUndefined();
    expect(find('peak-rss')).toMatchObject({ measured: '130.0 MB', floor: '140.0 MB', met: false });
    expect(find('cpu-stream')?.floor).toBeUndefined();
    expect(find('cpu-stream')?.storingFloor).toBeUndefined();
    expect(find('peak-rss')?.storingFloor).toBeUndefined();
    expect(find('open-streams-rss')?.floor).toBeUndefined();
  });

  it('computes ratios only when both sides exist', () => {
    expect(ratio(10, 4)).toBe(2.5);
    expect(ratio(10, undefined)).toBeUndefined();
    expect(ratio(10, 0)).toBeUndefined();
    expect(ratio(Number.NaN, 1)).toBeUndefined();
  });

  it('renders the cases, the ratios and the verdicts as markdown', () => {
    const report: BenchReport = {
      version: 1,
      mode: 'quick',
      startedAt: '2025-01-01T00:00:00.000Z',
      finishedAt: '2025-01-01T00:01:00.000Z',
      machine: { cpus: 2, cpuModel: 'test cpu', node: 'v20', platform: 'linux x64' },
      portkey: { version: '1.15.2', status: 'ok' },
      cases: [
        ...cases,
        {
          api: 'api-chat',
          mode: 'non-stream',
          connections: 1,
          target: 'ours',
          status: 'unavailable',
          note: 'not available yet (404)',
        },
        {
          api: 'v1',
          mode: 'stream',
          connections: 64,
          target: 'ours',
          status: 'error',
          note: 'exited | badly\nsecond line',
        },
      ],
      firstByte: [],
      memory: { status: 'unavailable', note: 'not yet' },
      checks,
    };
    const text = renderMarkdown(report);
    expect(text).toContain('| /v1/chat/completions non-stream | 16 | ours | 9000 |');
    expect(text).toContain('| /v1/chat/completions non-stream | 16 | – | – | 9.0 | 13.0 | – | – | – |\n');
    expect(text).toContain('| CPU ours/floor | CPU ours/storing floor |');
    expect(text).toContain('| met | floor (bare Node proxy) | storing floor |');
    expect(text).toContain('unavailable: not available yet (404)');
    expect(text).toContain('error: exited \\| badly second line |');
    expect(text).toContain('| CPU per stream request (16 conns) | ≤ 200 µs | 250 µs | NOT met | – | – |\n');
  });
});

describe('flags', () => {
  it('keeps the targets asked for, in the fixed order, and rejects unknown ones', () => {
    expect(parseTargets('portkey,direct')).toEqual(['direct', 'portkey']);
    expect(parseTargets(undefined)).toEqual(['direct', 'floor', 'floor-store', 'ours', 'portkey']);
    expect(parseTargets('ours,floor')).toEqual(['floor', 'ours']);
    expect(parseTargets('floor-store,direct')).toEqual(['direct', 'floor-store']);
    expect(() => parseTargets('direct,nginx')).toThrow(/unknown target "nginx"/);
  });

  it('makes --quick shorter than the full run', () => {
    const quick = parsePlan(['--quick']);
    const full = parsePlan([]);
    if (quick === 'help' || full === 'help') throw new Error('unexpected help');
    expect(quick.mode).toBe('quick');
    // The storing floor only when asked for: it would take a quick run past a minute.
    expect(quick.targets).toEqual(['direct', 'floor', 'ours', 'portkey']);
    expect(full.targets).toContain('floor-store');
    const asked = parsePlan(['--quick', '--targets', 'floor-store,ours']);
    expect(asked !== 'help' && asked.targets).toEqual(['floor-store', 'ours']);
    expect(quick.caseSec * quick.rounds).toBeLessThan(full.caseSec * full.rounds);
    // Every connection count a target is read at, and no more: 64 only in the full run.
    expect(quick.connections).toEqual([1, 16]);
    expect(full.connections).toEqual([1, 16, 64]);
  });
});
