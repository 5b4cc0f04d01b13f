/** The run as markdown tables for the terminal (and docs/PERFORMANCE.md), and as a JSON file. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ratio } from './checks.js';
import { findCase, type BenchReport, type CaseResult } from './results.js';
import type { TargetName } from './targets.js';

const dash = '–';

export function fmt(value: number | undefined, digits: number): string {
  return value === undefined || !Number.isFinite(value) ? dash : value.toFixed(digits);
}

function row(cells: string[]): string {
  return `| ${cells.map((cell) => cell.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|')).join(' | ')} |`;
}

export function markdownTable(header: string[], rows: string[][]): string {
  return [row(header), row(header.map(() => '---')), ...rows.map(row)].join('\n');
}

function caseLabel(c: { api: string; mode: string }): string {
  return `${c.api === 'v1' ? '/v1/chat/completions' : '/api/chat'} ${c.mode}`;
}

function casesTable(cases: CaseResult[]): string {
  const rows = cases.map((c) => {
    const label = [caseLabel(c), String(c.connections), c.target];
    if (c.status !== 'ok') return [...label, `${c.status}: ${c.note ?? ''}`, '', '', '', '', '', '', ''];
    const failures = (c.non2xx ?? 0) + (c.errors ?? 0);
    return [
      ...label,
      fmt(c.rps, 0),
      fmt(c.latencyMeanMs, 3),
      fmt(c.latencyP50Ms, 3),
      fmt(c.latencyP99Ms, 3),
      fmt(c.gatewayCpuUs, 0),
      fmt(c.simCpuUs, 0),
      fmt(c.gatewayPeakRssMb, 1),
      failures > 0 ? `${failures} failed` : '0',
    ];
  });
  return markdownTable(
    [
      'case',
      'conns',
      'target',
      'req/s',
      'mean ms',
      'p50 ms',
      'p99 ms',
      'gateway CPU µs/req',
      'sim CPU µs/req',
      'gateway peak RSS MB',
      'errors',
    ],
    rows,
  );
}

function ratiosTable(cases: CaseResult[]): string {
  const rows: string[][] = [];
  const seen = new Set<string>();
  for (const c of cases) {
    const key = `${c.api}|${c.mode}|${c.connections}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const pick = (target: TargetName) => findCase(cases, { ...c, target });
    const [direct, floor, storingFloor, ours, peer] = [
      pick('direct'),
      pick('floor'),
      pick('floor-store'),
      pick('ours'),
      pick('portkey'),
    ];
    if (!ours) continue;
    const added = direct ? ours.latencyMeanMs! - direct.latencyMeanMs! : undefined;
    rows.push([
      caseLabel(c),
      String(c.connections),
      fmt(ratio(ours.rps, direct?.rps), 2),
      fmt(added, 3),
      fmt(ratio(ours.rps, peer?.rps), 1),
      fmt(ratio(peer?.gatewayCpuUs, ours.gatewayCpuUs), 1),
      fmt(ratio(ours.latencyMeanMs, peer?.latencyMeanMs), 2),
      fmt(ratio(ours.gatewayCpuUs, floor?.gatewayCpuUs), 1),
      fmt(ratio(ours.gatewayCpuUs, storingFloor?.gatewayCpuUs), 1),
    ]);
  }
  if (rows.length === 0) return '_No ratios: our server was not measured._';
  return markdownTable(
    [
      'case',
      'conns',
      'req/s ours/direct',
      'added mean ms (ours−direct)',
      'req/s ours/Portkey',
      'CPU Portkey/ours',
      'latency ours/Portkey',
      'CPU ours/floor',
      'CPU ours/storing floor',
    ],
    rows,
  );
}

function failureText(failures: Record<string, number> | undefined): string {
  const parts = Object.entries(failures ?? {}).map(([reason, count]) => `${count} × ${reason}`);
  return parts.length > 0 ? `: ${parts.join(', ')}` : '';
}

export function renderMarkdown(report: BenchReport): string {
  const { machine } = report;
  const parts = [
    `## Benchmark ${report.mode} run, ${report.startedAt}`,
    `Machine: ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}, ${machine.platform}. ` +
      `Portkey ${report.portkey.version}: ${report.portkey.status}${report.portkey.note ? ` (${report.portkey.note})` : ''}.`,
    '### Cases',
    casesTable(report.cases),
    '### Ratios',
    ratiosTable(report.cases),
    '### First streamed byte (1 connection)',
    markdownTable(
      ['target', 'requests', 'mean ms', 'p50 ms', 'p99 ms'],
      report.firstByte.map((f) =>
        f.status === 'ok'
          ? [f.target, String(f.count), fmt(f.meanMs, 3), fmt(f.p50Ms, 3), fmt(f.p99Ms, 3)]
          : [f.target, `${f.status}: ${f.note ?? ''}`, '', '', ''],
      ),
    ),
    '### 1,000 open slow streams through ours',
    report.memory.status === 'ok'
      ? `${report.memory.opened} of ${report.memory.requested} open (${report.memory.failed} failed` +
        `${failureText(report.memory.failures)}); ` +
        `RSS before ${fmt(report.memory.rssBeforeMb, 1)} MB, peak ${fmt(report.memory.peakRssMb, 1)} MB.`
      : `${report.memory.status}: ${report.memory.note}`,
    '### Targets',
    markdownTable(
      ['target', 'goal', 'measured', 'met', 'floor (bare Node proxy)', 'storing floor'],
      report.checks.map((c) => [
        c.description,
        c.goal,
        c.measured ?? dash,
        c.met === undefined ? `n/a${c.note ? ` (${c.note})` : ''}` : c.met ? 'met' : 'NOT met',
        c.floor ?? dash,
        c.storingFloor ?? dash,
      ]),
    ),
  ];
  return parts.join('\n\n') + '\n';
}

/** Writes the report as JSON under `dir`; returns the file's path. */
export async function writeResults(dir: string, report: BenchReport): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${report.startedAt.replace(/[:.]/g, '-')}-${report.mode}.json`);
  await writeFile(file, JSON.stringify(report, null, 2) + '\n');
  return file;
}
