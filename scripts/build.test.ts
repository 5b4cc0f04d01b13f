/**
 * The production bundle (`npm run build`) is what `npm start` runs and what the benchmark
 * measures; every other test runs the sources. Here the bundle is built, started as a real
 * process, and driven over each path that loads something at run time: the OpenAI kind, the
 * ChatGPT-web kind through a SOCKS5 proxy (microsocks), the Markdown renderer, a typed error.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithBinary } from '../test/helpers/binaries.js';
import { runCli, startServerProcess, type ServerProcess } from '../test/helpers/cli.js';
import { httpCall as call } from '../test/helpers/http-call.js';
import { startMicrosocks, type Microsocks } from '../test/helpers/socks.js';
import { simulatedReply, startUpstreamSim, type UpstreamSim } from '../test/upstream-sim/index.js';
import { hashbangNodeFlags } from '../bench/ours.js';
import { EXTERNAL_PACKAGES, buildServer } from './build.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const ADMIN_KEY = 'cas_admin_bundle_test_0123456789abcdefghijklmnop';
const SIM_API_KEY = 'sk-bundle-test-0123456789';
const WEB_TOKEN = 'tok-bundle-1';

describeWithBinary('microsocks', 'the production bundle', () => {
  let buildDir: string;
  let entry: string;
  let bundledInputs: string[];
  let sim: UpstreamSim;
  let socks: Microsocks;
  let cwd: string;
  let server: ServerProcess | undefined;
  let userKey: string;

  beforeAll(async () => {
    // Inside the repository, so the bundle finds its external packages in node_modules.
    buildDir = mkdtempSync(path.join(ROOT, 'node_modules', '.cache-cas-build-'));
    entry = path.join(buildDir, 'main.js');
    const result = await buildServer({ outfile: entry });
    bundledInputs = Object.keys(result.metafile.inputs);
    sim = await startUpstreamSim();
    sim.addAccount({ accessToken: WEB_TOKEN });
    sim.addApiKey(SIM_API_KEY);
    // Its connections leave from 127.0.0.2: the simulator's log shows which calls came through it.
    socks = await startMicrosocks({ bindAddress: '127.0.0.2' });
    cwd = mkdtempSync(path.join(buildDir, 'run-'));
    writeFileSync(
      path.join(cwd, 'settings.json'),
      JSON.stringify({
        openai: {
          base_url: sim.chatgptBaseUrl,
          instances: [
            { name: 'web-1', access_token: WEB_TOKEN, proxy: socks.url },
            { name: 'api-1', kind: 'openai', api_key: SIM_API_KEY, base_url: sim.openaiBaseUrl },
          ],
        },
        api_server: {
          host: '127.0.0.1',
          admin_api_key: ADMIN_KEY,
          app_secret: 'bundle-test-app-secret-0123456789abcdefghijklmnop',
        },
        models: [
          { name: 'auto', kinds: ['chatgpt'], plus: false },
          { name: 'gpt-4o-mini', kinds: ['openai'], plus: false },
        ],
      }),
    );
    const env = {
      DATA_DIR: path.join(cwd, 'data'),
      DATABASE_URL: '',
      REDIS_URL: '',
      API_HOST: '',
      API_PORT: '',
    };
    server = await startServerProcess(['--port', '0'], { cwd, env, entry });
    const added = await call(`${server.url}/api/admin/users`, {
      json: { userid: 'alice', plus: true },
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(added.status, added.text).toBe(200);
    userKey = added.json?.api_key as string;
  });
  afterAll(async () => {
    await server?.stop();
    await socks?.stop();
    await sim?.close();
    if (buildDir) rmSync(buildDir, { recursive: true, force: true });
  });

  it('holds the pure-JavaScript packages and leaves the native and lazily loaded ones out', () => {
    const packageOf = (input: string) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1];
    const packages = new Set(bundledInputs.map(packageOf).filter((name) => name !== undefined));
    for (const name of ['fastify', 'zod', 'kysely', 'pino', 'prom-client']) expect(packages).toContain(name);
    for (const name of EXTERNAL_PACKAGES) expect(packages).not.toContain(name);
  });

  it('is ASCII only, so V8 keeps its source at one byte a character', () => {
    // esbuild escapes other characters, except in tagged templates (the views' html``), whose
    // raw text it must keep: there, write HTML entities (&middot;) instead. One such character
    // made V8 hold the whole bundle's source as UTF-16, 1.7 MB more for the process's life.
    const text = readFileSync(entry, 'utf8');
    const [nonAscii] = /[\u0080-\uffff].{0,40}/s.exec(text) ?? [];
    expect(nonAscii).toBeUndefined();
  });

  it('runs as a program with the Node flags its first line names, which the benchmark uses too', () => {
    const flags = hashbangNodeFlags(entry);
    expect(flags).toEqual(['--max-semi-space-size=8', '--no-concurrent-recompilation', '--liftoff-only']);
    const commandLine = readFileSync(`/proc/${server!.child.pid}/cmdline`, 'utf8').split('\0');
    expect(commandLine.slice(1, 1 + flags.length)).toEqual(flags);
    expect(commandLine[1 + flags.length]).toBe(entry);
  });

  it('answers /v1 chat completions on the OpenAI kind, whole and streamed', async () => {
    const headers = { authorization: `Bearer ${userKey}` };
    const messages = [{ role: 'user', content: 'hello bundle' }];
    const whole = await call(`${server!.url}/v1/chat/completions`, {
      json: { model: 'gpt-4o-mini', messages },
      headers,
    });
    expect(whole.status, whole.text).toBe(200);
    const completion = whole.json as { choices: { message: { content: string } }[] } | undefined;
    expect(completion?.choices[0]?.message.content).toBe(simulatedReply('hello bundle'));

    const streamed = await call(`${server!.url}/v1/chat/completions`, {
      json: { model: 'gpt-4o-mini', messages, stream: true },
      headers,
    });
    expect(streamed.status, streamed.text).toBe(200);
    expect(streamed.headers['content-type']).toContain('text/event-stream');
    expect(streamed.text.trimEnd().endsWith('data: [DONE]')).toBe(true);
  });

  it('answers /api/chat on the ChatGPT-web kind through the SOCKS5 proxy, as sanitised HTML', async () => {
    const before = sim.log.length;
    const reply = await call(`${server!.url}/api/chat`, {
      json: { user: userKey, prompt: 'hello *bundle*', reply_only: true, pretty: true },
    });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.headers['content-type']).toContain('text/html');
    expect(reply.text).toContain('<p>');
    const webCalls = sim.log.slice(before).filter((entry) => entry.token === WEB_TOKEN);
    expect(webCalls.length).toBeGreaterThan(0);
    for (const entry of webCalls) expect(entry.remoteAddress).toContain('127.0.0.2');
  });

  it('renders a typed error in the route format and keeps serving', async () => {
    const refused = await call(`${server!.url}/v1/chat/completions`, {
      json: { model: 'gpt-4o-mini', messages: [] },
      headers: { authorization: 'Bearer cas_not_a_key' },
    });
    expect(refused.status).toBe(401);
    expect((refused.json?.error as { code?: string } | undefined)?.code).toBeTruthy();
    expect((await call(`${server!.url}/healthz`)).status).toBe(200);
  });

  it('lists every configuration error and exits 2', async () => {
    const bad = path.join(cwd, 'bad.json');
    writeFileSync(bad, JSON.stringify({ api_server: { port: 'x' }, openai: { instances: 3 } }));
    const result = await runCli(['serve', '--config', bad], { cwd, entry });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('api_server.port');
    expect(result.stderr).toContain('openai.instances');
  });
});
