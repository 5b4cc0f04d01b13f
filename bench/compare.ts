/**
 * `npm run bench:compare -- [options] BUILD...`: two or more builds of our server (or the floor)
 * under the same load, measured in turn, pass after pass, so that the machine's drift falls on
 * all of them alike. This is the A/B harness behind the rounds in docs/PERFORMANCE.md: the
 * simulator, our production bundle with the benchmark's settings, autocannon, and CPU per
 * request from /proc. A build is a directory holding dist/main.js: another commit's worktree
 * after `npm run build`, or a variant written by `npm run bench:variant` (Node flags such as
 * --cpu-prof added to its first line).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCleanupRegistry, installExitHandlers } from './cleanup.js';
import { COMPARE_USAGE, parseComparePlan, type CompareBuild } from './compare-plan.js';
import { renderCompareTable, summarizePasses, type ComparePass } from './compare-summary.js';
import { startFloor } from './floor.js';
import { runLoad } from './load.js';
import { measure } from './measure.js';
import { createHeapSampling, assertHeapSampler } from './heap-sample.js';
import { oursEntry, oursNode, startOurs } from './ours.js';
import { startSim } from './sim.js';
import { v1Request, type Endpoints, type Mode, type RequestSpec } from './targets.js';
import type { ChildService } from './children.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

interface Running {
  build: CompareBuild;
  service: ChildService;
  request(mode: Mode): RequestSpec;
}

async function main(): Promise<number> {
  const plan = parseComparePlan(process.argv.slice(2));
  if (plan === 'help') {
    console.log(COMPARE_USAGE);
    return 0;
  }
  const cleanup = createCleanupRegistry();
  installExitHandlers(cleanup);
  const workDir = await mkdtemp(join(tmpdir(), 'cas-compare-'));
  console.log(`logs in ${workDir}`);
  const heapDir = plan.heapSampleDir;
  if (heapDir) {
    for (const build of plan.builds) if (build.kind === 'ours') assertHeapSampler(oursEntry(build.root!));
    await mkdir(heapDir, { recursive: true });
    // The builds' sampler writes there (their environment is the benchmark's).
    process.env.HEAP_SAMPLE_DIR = heapDir;
  }
  const heapSampling = heapDir ? createHeapSampling(heapDir) : undefined;
  const simApiKey = `sk-bench-${randomBytes(12).toString('hex')}`;
  const chatgptTokens = [`bench-chatgpt-1-${randomBytes(8).toString('hex')}`];
  const sim = await startSim({
    name: 'sim',
    repoRoot,
    workDir,
    cleanup,
    apiKey: simApiKey,
    accessTokens: chatgptTokens,
    replyChunks: 40,
  });
  const base: Endpoints = { sim, simApiKey, chatgptTokens };
  const running: Running[] = [];
  try {
    for (const build of plan.builds) {
      const buildDir = join(workDir, build.label);
      await mkdir(buildDir);
      if (build.kind === 'floor') {
        const floor = await startFloor({
          repoRoot,
          workDir: buildDir,
          cleanup,
          sim,
          simApiKey,
          workMicros: build.workMicros,
          store: build.store,
        });
        const endpoints = { ...base, floor: { url: floor.url, key: floor.key } };
        running.push({
          build,
          service: floor.service,
          request: (mode) => v1Request(endpoints, 'floor', mode)!,
        });
      } else {
        const node = oursNode(build.root!);
        const ours = await startOurs({
          repoRoot: build.root!,
          workDir: buildDir,
          cleanup,
          sim,
          simApiKey,
          chatgptTokens,
          node,
        });
        const endpoints = { ...base, ours: { url: ours.url, userKey: ours.userKey } };
        running.push({
          build,
          service: ours.service,
          request: (mode) => v1Request(endpoints, 'ours', mode)!,
        });
        if (node !== process.execPath) console.log(`${build.label} runs under ${node}`);
      }
      console.log(`${build.label} started (pid ${running.at(-1)!.service.pid})`);
    }
    for (const target of running) {
      for (const mode of plan.modes) {
        const durationSec = plan.warmupSec / plan.modes.length;
        await runLoad({ spec: target.request(mode), connections: plan.connections, durationSec });
      }
    }
    const passes: ComparePass[] = [];
    for (let pass = 1; pass <= plan.passes; pass++) {
      for (const mode of plan.modes) {
        for (const target of running) {
          const measured = () =>
            measure({
              spec: target.request(mode),
              connections: plan.connections,
              durationSec: plan.seconds,
              gatewayPid: target.service.pid,
              simPid: sim.service.pid,
            });
          const sampled =
            heapSampling && target.build.kind === 'ours'
              ? await heapSampling.sample({
                  pid: target.service.pid,
                  name: `${target.build.label}-${mode}-pass${pass}`,
                  measure: measured,
                })
              : { result: await measured(), bytes: undefined };
          const { load, gatewayCpuUs = Number.NaN, gatewayPeakRssMb = 0 } = sampled.result;
          const allocatedKb =
            sampled.bytes === undefined
              ? undefined
              : sampled.bytes / 1024 / Math.max(1, load.ok + load.non2xx);
          const failed = load.non2xx + load.errors + load.timeouts;
          passes.push({
            build: target.build.label,
            mode,
            pass,
            cpuMicrosPerRequest: gatewayCpuUs,
            requestsPerSec: load.rps,
            p50Ms: load.latency.p50,
            peakRssMb: gatewayPeakRssMb,
            failed,
            ...(allocatedKb !== undefined && { allocatedKb }),
          });
          console.log(
            `pass ${pass} ${mode} ${target.build.label}: ${gatewayCpuUs.toFixed(0)} µs CPU/req, ${load.rps.toFixed(0)} req/s, p50 ${load.latency.p50.toFixed(3)} ms` +
              (allocatedKb !== undefined
                ? `, ${allocatedKb.toFixed(1)} KB allocated/req over ${load.ok + load.non2xx} requests`
                : '') +
              (failed > 0 ? `, ${failed} failed` : ''),
          );
        }
      }
    }
    console.log('\n' + renderCompareTable(summarizePasses(passes), plan.connections));
  } finally {
    // A graceful stop, so that a build started with --cpu-prof writes its profile.
    await Promise.all(running.map((target) => target.service.stop()));
    await sim.service.stop();
    cleanup.runAll();
  }
  // Kept when something failed: the servers' logs are there.
  await rm(workDir, { recursive: true, force: true });
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('compare failed:', error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
