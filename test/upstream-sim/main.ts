/** CLI: `npm run upstream-sim -- --port N [...]` runs the simulator until SIGINT/SIGTERM. */
import { parseArgs } from 'node:util';
import { startUpstreamSim } from './index.js';
import type { SimOptions } from './index.js';

const USAGE = `Usage: upstream-sim [--port N] [--host H] [--encoding delta|cumulative] [--sentinel single|two-step]
  [--pow fnv|sha3] [--difficulty HEX] [--require-conduit] [--chunk-delay MS] [--first-byte-delay MS]
  [--reply-chunks N] [--api-key KEY]... [--account TOKEN[:plus]]...`;

function numberOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) throw new Error(`--${name} must be a non-negative number`);
  return parsed;
}

function oneOf<T extends string>(
  value: string | undefined,
  allowed: readonly T[],
  name: string,
): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value))
    throw new Error(`--${name} must be one of ${allowed.join(', ')}`);
  return value as T;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      encoding: { type: 'string' },
      sentinel: { type: 'string' },
      pow: { type: 'string' },
      difficulty: { type: 'string' },
      'require-conduit': { type: 'boolean' },
      'chunk-delay': { type: 'string' },
      'first-byte-delay': { type: 'string' },
      'reply-chunks': { type: 'string' },
      'api-key': { type: 'string', multiple: true },
      account: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const options: SimOptions = {
    host: values.host,
    port: numberOption(values.port, 'port'),
    encoding: oneOf(values.encoding, ['delta', 'cumulative'] as const, 'encoding'),
    sentinel: oneOf(values.sentinel, ['single', 'two-step'] as const, 'sentinel'),
    powVariant: oneOf(values.pow, ['fnv', 'sha3'] as const, 'pow'),
    powDifficulty: values.difficulty,
    requireConduit: values['require-conduit'],
    chunkDelayMs: numberOption(values['chunk-delay'], 'chunk-delay'),
    firstByteDelayMs: numberOption(values['first-byte-delay'], 'first-byte-delay'),
    replyChunks: numberOption(values['reply-chunks'], 'reply-chunks'),
  };
  const sim = await startUpstreamSim(
    Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as SimOptions,
  );
  for (const key of values['api-key'] ?? []) sim.addApiKey(key);
  for (const spec of values.account ?? []) {
    const plus = spec.endsWith(':plus');
    sim.addAccount({ accessToken: plus ? spec.slice(0, -':plus'.length) : spec, plus });
  }
  console.log(`upstream-sim listening on ${sim.url}`);
  console.log(`  ChatGPT backend: ${sim.chatgptBaseUrl}`);
  console.log(`  OpenAI API:      ${sim.openaiBaseUrl}`);
  console.log(`  Auth:            ${sim.authBaseUrl}/api/auth/session  (OAuth: ${sim.oauthTokenUrl})`);
  const stop = (): void => {
    void sim.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  console.error(USAGE);
  process.exit(1);
});
