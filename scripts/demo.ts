/**
 * `npm run demo`: the server wired to the built-in upstream simulator, with a free and a plus
 * sample account, so a newcomer can try everything without real accounts. Every reply and page
 * says that answers come from the simulator.
 */
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { request } from 'undici';
import { loadConfig } from '../src/config/index.js';
import { createLogger } from '../src/logging/logger.js';
import { startServer } from '../src/server.js';
import { startUpstreamSim } from '../test/upstream-sim/index.js';

const dir = path.resolve(process.env.DEMO_DIR ?? 'data-demo');
const port = Number(process.env.API_PORT ?? 5050);

async function main(): Promise<void> {
  const sim = await startUpstreamSim({ chunkDelayMs: 40, replyChunks: 16 });
  sim.addAccount({ accessToken: 'demo-free-token', plus: false });
  sim.addAccount({ accessToken: 'demo-plus-token', plus: true });
  sim.addApiKey('sk-demo-key');
  mkdirSync(dir, { recursive: true });
  const settingsPath = path.join(dir, 'settings.json');
  if (!existsSync(settingsPath))
    writeFileSync(settingsPath, JSON.stringify({ api_server: { host: '127.0.0.1', port } }, null, 2), {
      mode: 0o600,
    });
  // The simulator's port changes on every run, so the accounts are set here rather than in the file.
  const loaded = await loadConfig({ argv: ['--config', settingsPath, '--data-dir', dir], env: {}, cwd: dir });
  const config = {
    ...loaded.config,
    simulated: true,
    chatgpt: {
      ...loaded.config.chatgpt,
      base_url: sim.chatgptBaseUrl,
      auth_base_url: sim.authBaseUrl,
      oauth_token_url: sim.oauthTokenUrl,
    },
    accounts: [
      {
        name: 'demo-free',
        kind: 'chatgpt' as const,
        access_token: 'demo-free-token',
        plus: false,
        max_concurrency: 1,
        weight: 1,
      },
      {
        name: 'demo-plus',
        kind: 'chatgpt' as const,
        access_token: 'demo-plus-token',
        plus: true,
        max_concurrency: 1,
        weight: 1,
      },
      {
        name: 'demo-api',
        kind: 'openai' as const,
        api_key: 'sk-demo-key',
        base_url: sim.openaiBaseUrl,
        models: ['gpt-4o-mini', 'gpt-4o'],
        plus: false,
        max_concurrency: 16,
        weight: 1,
      },
    ],
  };
  const logger = createLogger({ level: 'warn', pretty: process.stdout.isTTY === true });
  const server = await startServer({ config, logger });
  const adminKey = config.server.admin_api_key;
  let userKey = '(already created on an earlier run: rotate it in /admin)';
  const res = await request(`${server.url}/api/admin/add-user`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ userid: 'demo', username: 'Demo user', plus: true }),
  });
  const body = (await res.body.json()) as { api_key?: string };
  if (body.api_key) userKey = body.api_key;

  console.log(`
DEMO MODE — every answer comes from the built-in upstream simulator, not from ChatGPT or OpenAI.

  Server:    ${server.url}   (browser: ${server.url}/chat)
  Admin key: ${adminKey}
  User key:  ${userKey}

  curl "${server.url}/api/chat?user=${userKey.startsWith('cas_') ? userKey : 'USER_KEY'}&prompt=Hello"
  Data: ${dir} (delete it to start over). Ctrl-C to stop.
`);
  const stop = async () => {
    await server.close();
    await sim.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
