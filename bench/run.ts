/**
 * `npm run bench [-- --quick] [-- --targets direct,floor,floor-store,ours,portkey]`: our gateway
 * against the upstream simulator directly, a bare Node proxy (the floor), the same proxy storing
 * and logging every turn (the storing floor; full runs only by default) and Portkey, on
 * loopback. Prints markdown tables, writes JSON under bench/results/ and marks the issue's
 * targets met or not.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluateTargets } from './checks.js';
import { createCleanupRegistry, installExitHandlers } from './cleanup.js';
import { runApiChatCases, runFirstByte, runMemoryCase, runV1Cases, probeV1, warmUp } from './phases.js';
import { USAGE, parsePlan } from './plan.js';
import { renderMarkdown, writeResults } from './report.js';
import type { BenchReport } from './results.js';
import { startEnvironment } from './setup.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

async function main(): Promise<number> {
  const plan = parsePlan(process.argv.slice(2));
  if (plan === 'help') {
    console.log(USAGE);
    return 0;
  }
  const cleanup = createCleanupRegistry();
  installExitHandlers(cleanup);
  const started = Date.now();
  const log = (line: string): void => {
    console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}`);
  };
  const startedAt = new Date(started).toISOString();
  const workDir = await mkdtemp(join(tmpdir(), 'cas-bench-'));
  log(`${plan.mode} run of ${plan.targets.join(', ')}; logs in ${workDir}`);

  const env = await startEnvironment({ plan, repoRoot, workDir, cleanup, log });
  let report: BenchReport;
  try {
    const ctx = { plan, env, log };
    const available = await probeV1(ctx);
    await warmUp(ctx, available);
    const v1Cases = await runV1Cases(ctx, available);
    const apiChatCases = await runApiChatCases(ctx);
    const firstByte = await runFirstByte(ctx, available);
    const memory = await runMemoryCase(ctx, available);
    const cases = [...v1Cases, ...apiChatCases];
    report = {
      version: 1,
      mode: plan.mode,
      startedAt,
      finishedAt: new Date().toISOString(),
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
        node: process.version,
        platform: `${process.platform} ${process.arch}`,
      },
      portkey: env.portkeyStatus,
      cases,
      firstByte,
      memory,
      checks: evaluateTargets({ cases, firstByte, memory }),
    };
  } finally {
    log('stopping child processes');
    await env.stopAll();
  }
  const file = await writeResults(join(repoRoot, 'bench', 'results'), report);
  console.log('\n' + renderMarkdown(report));
  console.log(`Results written to ${file}`);
  await rm(workDir, { recursive: true, force: true });
  log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  // Our own server failing to build or start is a failure; a route still 404 is not.
  if (env.oursProblem) {
    console.error(`our server: ${env.oursProblem}`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('benchmark failed:', error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
