/**
 * The floor: the least a Node gateway in front of an OpenAI-compatible upstream can do. It checks
 * a bearer key, parses the JSON body (any gateway must read the model), forwards it with undici
 * and copies the upstream's answer back byte for byte. No pool, no storage, no logging, no
 * validation beyond the parse. What it costs is what Node's HTTP server and client cost on this
 * machine; a gateway cannot spend less per request.
 *
 * Plain JavaScript run by plain node: a TypeScript loader would add a hooks thread (and its
 * memory) that the floor's RSS must not carry.
 *
 * `--work-us N` adds N µs of busy work to each request before it is forwarded: a stand-in for a
 * gateway's own work (authentication, the pool, storage), to measure what that work costs beyond
 * itself on this machine (`npm run bench:compare -- floor floor+150`, performance-rounds.md, the
 * twenty-first round). The benchmark's floor does none.
 *
 * `--store FILE` makes it the storing floor (`floor+store`): each turn is also stored in SQLite
 * and logged, the least a gateway that keeps every conversation must add (floor-store.mjs).
 *
 * Usage: node bench/floor-server.mjs --port P --upstream http://127.0.0.1:Q/v1 --upstream-key K --key C [--work-us N] [--store FILE]
 */
import http from 'node:http';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    upstream: { type: 'string' },
    'upstream-key': { type: 'string' },
    key: { type: 'string' },
    'work-us': { type: 'string', default: '0' },
    store: { type: 'string' },
  },
});
const { port, upstream, key } = values;
const workMicros = Number(values['work-us']);
if (!port || !upstream || !values['upstream-key'] || !key || !(workMicros >= 0)) {
  console.error(
    'usage: floor-server.mjs --port P --upstream URL --upstream-key K --key C [--work-us N] [--store FILE]',
  );
  process.exit(2);
}
const workNanos = BigInt(Math.round(workMicros * 1000));
const storing = values.store ? await import('./floor-store.mjs') : undefined;
const turns = storing?.openTurnStore(values.store);

/** Busy, not asleep: the work must hold the CPU as a gateway's own code would. */
function work() {
  const until = process.hrtime.bigint() + workNanos;
  while (process.hrtime.bigint() < until);
}
const target = new URL(upstream);
const pool = new Pool(target.origin, { connections: 256 });
const expected = `Bearer ${key}`;
const upstreamHeaders = {
  'content-type': 'application/json',
  authorization: `Bearer ${values['upstream-key']}`,
};
const completionsPath = `${target.pathname.replace(/\/$/, '')}/chat/completions`;

function fail(res, status) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { message: http.STATUS_CODES[status] } }));
}

async function forward(res, body) {
  const answer = await pool.request({
    path: completionsPath,
    method: 'POST',
    headers: upstreamHeaders,
    body: JSON.stringify(body),
  });
  const contentType = answer.headers['content-type'] ?? 'application/json';
  res.writeHead(answer.statusCode, { 'content-type': contentType });
  if (!turns) {
    for await (const chunk of answer.body) res.write(chunk);
    res.end();
    return;
  }
  const turn = { model: body.model, prompt: storing.promptOf(body), createdAt: Date.now() };
  if (contentType.includes('text/event-stream')) {
    const reply = storing.streamReply();
    for await (const chunk of answer.body) {
      const now = reply.pass(chunk);
      if (now) res.write(now);
    }
    await turns.record({ ...turn, reply: reply.text() });
    res.end(reply.rest());
    return;
  }
  const bytes = Buffer.from(await answer.body.arrayBuffer());
  await turns.record({ ...turn, reply: storing.completionText(bytes) });
  res.end(bytes);
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') return fail(res, 404);
    if (req.headers.authorization !== expected) return fail(res, 401);
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return fail(res, 400);
    }
    if (workNanos > 0n) work();
    forward(res, body).catch(() => (res.headersSent ? res.destroy() : fail(res, 502)));
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(port), '127.0.0.1');
process.on('SIGTERM', () =>
  server.close(() =>
    pool.close().then(() => {
      turns?.close();
      process.exit(0);
    }),
  ),
);
