/**
 * Starts what a run measures, each as its own process: the simulator (fast), a second one for
 * slow streams, the floor (a bare Node proxy), the storing floor, our production build and
 * Portkey. Independent steps run side by side.
 */
import { randomBytes } from 'node:crypto';
import type { CleanupRegistry } from './cleanup.js';
import { startFloor, type FloorProcess } from './floor.js';
import { buildOurs, startOurs, type OursProcess } from './ours.js';
import type { BenchPlan } from './plan.js';
import { PORTKEY_VERSION, installPortkey, startPortkey, type PortkeyProcess } from './portkey.js';
import { startSim, type SimProcess } from './sim.js';
import type { Endpoints } from './targets.js';

export interface Environment {
  sim: SimProcess;
  slowSim?: SimProcess;
  floor?: FloorProcess;
  /** Why the floor is missing although asked for. */
  floorProblem?: string;
  /** The storing floor (floor-server.mjs --store). */
  floorStore?: FloorProcess;
  floorStoreProblem?: string;
  ours?: OursProcess;
  /** Why ours is missing although asked for. */
  oursProblem?: string;
  portkey?: PortkeyProcess;
  portkeyStatus: { version: string; status: 'ok' | 'unavailable'; note?: string };
  endpoints: Endpoints;
  stopAll(): Promise<void>;
}

export interface SetupInput {
  plan: BenchPlan;
  repoRoot: string;
  workDir: string;
  cleanup: CleanupRegistry;
  log: (line: string) => void;
}

const REPLY_CHUNKS = 40;
const CHATGPT_ACCOUNTS = 16;

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export async function startEnvironment(input: SetupInput): Promise<Environment> {
  const { plan, repoRoot, workDir, cleanup, log } = input;
  const wants = (name: string): boolean => (plan.targets as string[]).includes(name);
  const simApiKey = `sk-bench-${randomBytes(12).toString('hex')}`;
  const chatgptTokens = Array.from(
    { length: CHATGPT_ACCOUNTS },
    (_, i) => `bench-chatgpt-${i + 1}-${randomBytes(8).toString('hex')}`,
  );
  const simInput = { repoRoot, workDir, cleanup, apiKey: simApiKey, replyChunks: REPLY_CHUNKS };

  log('starting the upstream simulator' + (wants('ours') ? ', building our server' : ''));
  const [sim, slowSim, built, portkeyInstall] = await Promise.all([
    startSim({ ...simInput, name: 'sim', accessTokens: chatgptTokens }),
    wants('ours')
      ? startSim({ ...simInput, name: 'sim-slow', chunkDelayMs: plan.slowStreams.chunkDelayMs })
      : undefined,
    wants('ours') ? buildOurs(repoRoot, log).then(() => undefined, describe) : 'not asked',
    wants('portkey') ? installPortkey(log) : undefined,
  ]);
  log(`simulator on ${sim.url} (pid ${sim.service.pid})`);

  /** One of the two floors, when asked for: started, or why it did not start. */
  const startFloorTarget = async (
    name: 'floor' | 'floor-store',
    description: string,
  ): Promise<{ floor?: FloorProcess; problem?: string }> => {
    if (!wants(name)) return {};
    try {
      const floor = await startFloor({
        repoRoot,
        workDir,
        cleanup,
        sim,
        simApiKey,
        store: name === 'floor-store',
      });
      log(`${description} on ${floor.url} (pid ${floor.service.pid})`);
      return { floor };
    } catch (error) {
      const problem = `did not start: ${describe(error)}`;
      log(`${description}: ${problem}`);
      return { problem };
    }
  };
  const { floor, problem: floorProblem } = await startFloorTarget('floor', 'floor (bare Node proxy)');
  const { floor: floorStore, problem: floorStoreProblem } = await startFloorTarget(
    'floor-store',
    'storing floor',
  );

  let ours: OursProcess | undefined;
  let oursProblem: string | undefined;
  if (wants('ours')) {
    if (built !== undefined) oursProblem = `build failed: ${built}`;
    else {
      try {
        ours = await startOurs({ repoRoot, workDir, cleanup, sim, slowSim, simApiKey, chatgptTokens });
        log(`our server on ${ours.url} (pid ${ours.service.pid})`);
      } catch (error) {
        oursProblem = `did not start: ${describe(error)}`;
      }
    }
    if (oursProblem) log(`ours: ${oursProblem}`);
  }

  let portkey: PortkeyProcess | undefined;
  let portkeyStatus: Environment['portkeyStatus'] = {
    version: PORTKEY_VERSION,
    status: 'unavailable',
    note: 'not asked for',
  };
  if (portkeyInstall) {
    if ('unavailable' in portkeyInstall) portkeyStatus.note = portkeyInstall.unavailable;
    else {
      try {
        portkey = await startPortkey({ install: portkeyInstall, workDir, cleanup });
        portkeyStatus = { version: PORTKEY_VERSION, status: 'ok' };
        log(`Portkey on ${portkey.url} (pid ${portkey.service.pid})`);
      } catch (error) {
        portkeyStatus.note = `did not start: ${describe(error).split('\n')[0]}`;
      }
    }
    if (!portkey) log(`Portkey unavailable: ${portkeyStatus.note}`);
  }

  const services = [
    portkey?.service,
    ours?.service,
    floor?.service,
    floorStore?.service,
    slowSim?.service,
    sim.service,
  ];
  return {
    sim,
    slowSim,
    floor,
    floorProblem,
    floorStore,
    floorStoreProblem,
    ours,
    oursProblem,
    portkey,
    portkeyStatus,
    endpoints: {
      sim,
      simApiKey,
      chatgptTokens,
      ...(floor ? { floor: { url: floor.url, key: floor.key } } : {}),
      ...(floorStore ? { floorStore: { url: floorStore.url, key: floorStore.key } } : {}),
      ...(ours ? { ours: { url: ours.url, userKey: ours.userKey } } : {}),
      ...(portkey ? { portkey: { url: portkey.url } } : {}),
    },
    async stopAll() {
      await Promise.all(services.map((service) => service?.stop()));
    },
  };
}
