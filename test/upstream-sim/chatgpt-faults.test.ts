import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { simulatedReply, startUpstreamSim } from './index.js';
import type { SimFault, UpstreamSim } from './index.js';
import {
  getSentinel,
  parseSse,
  readChatgptReply,
  requirementsToken,
  sendBody,
  waitFor,
} from './test-client.js';

let sim: UpstreamSim;
beforeEach(async () => {
  sim = await startUpstreamSim();
});
afterEach(async () => {
  await sim.close();
});

/** Gets valid sentinel headers first, then sends; so a fault set in between hits the send. */
async function sendWith(token: string, prompt: string, opts: { fault?: SimFault; timeoutMs?: number } = {}) {
  const { seed: _s, difficulty: _d, ...sentinel } = await getSentinel(sim.chatgptBaseUrl, token);
  if (opts.fault) sim.setFault(token, opts.fault, 1);
  return request(`${sim.chatgptBaseUrl}/f/conversation`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...sentinel },
    body: sendBody(prompt),
    headersTimeout: opts.timeoutMs,
    bodyTimeout: opts.timeoutMs,
  });
}

describe('ChatGPT faults', () => {
  it('answers 429 with clears_in and Retry-After, once, then works again', async () => {
    const res = await sendWith('tok', 'x', { fault: { type: 'rate_limit', clearsIn: 252, retryAfter: 30 } });
    expect(res.statusCode).toBe(429);
    expect(res.headers['retry-after']).toBe('30');
    expect(((await res.body.json()) as { detail: { clears_in: number; code: string } }).detail).toMatchObject(
      {
        clears_in: 252,
        code: 'model_cap_exceeded',
      },
    );
    const again = await sendWith('tok', 'after');
    expect(again.statusCode).toBe(200);
    expect(readChatgptReply(await again.body.text()).text).toBe(simulatedReply('after', 0));
  });

  it('hits the sentinel step too, and a fault without `times` stays until cleared', async () => {
    sim.setFault('tok', { type: 'rate_limit' });
    const post = () =>
      request(`${sim.chatgptBaseUrl}/sentinel/chat-requirements`, {
        method: 'POST',
        headers: { authorization: 'Bearer tok', 'content-type': 'application/json' },
        body: JSON.stringify({ p: requirementsToken() }),
      });
    for (let i = 0; i < 2; i++) {
      const res = await post();
      expect(res.statusCode).toBe(429);
      expect(await res.body.json()).toEqual({ detail: 'Too many requests in 1 hour. Try again later.' });
    }
    sim.setFault('tok', null);
    const ok = await post();
    expect(ok.statusCode).toBe(200);
    await ok.body.dump();
  });

  it('answers token_expired for a fault and for expireToken', async () => {
    const res = await sendWith('tok', 'x', { fault: { type: 'token_expired' } });
    expect(res.statusCode).toBe(401);
    expect(((await res.body.json()) as { detail: { code: string } }).detail.code).toBe('token_expired');
    sim.expireToken('tok');
    const models = await request(`${sim.chatgptBaseUrl}/models`, {
      headers: { authorization: 'Bearer tok' },
    });
    expect(models.statusCode).toBe(401);
    expect(((await models.body.json()) as { detail: { code: string } }).detail.code).toBe('token_expired');
  });

  it('answers the Cloudflare challenge page and unusual activity', async () => {
    const cf = await sendWith('tok', 'x', { fault: { type: 'cloudflare' } });
    expect(cf.statusCode).toBe(403);
    expect(cf.headers['cf-mitigated']).toBe('challenge');
    expect(await cf.body.text()).toContain('<title>Just a moment...</title>');
    const unusual = await sendWith('tok', 'x', { fault: { type: 'unusual_activity' } });
    expect(unusual.statusCode).toBe(403);
    expect(((await unusual.body.json()) as { detail: string }).detail).toMatch(/^Unusual activity/);
  });

  it('answers busy and server errors (500, 502, 524)', async () => {
    const busy = await sendWith('tok', 'x', { fault: { type: 'busy' } });
    expect(busy.statusCode).toBe(429);
    expect(((await busy.body.json()) as { detail: string }).detail).toMatch(/^Only one message at a time/);
    const plain = await sendWith('tok', 'x', { fault: { type: 'server_error' } });
    expect(plain.statusCode).toBe(500);
    await plain.body.dump();
    const gateway = await sendWith('tok', 'x', { fault: { type: 'server_error', status: 502 } });
    expect(gateway.statusCode).toBe(502);
    await gateway.body.dump();
    const timeout = await sendWith('tok', 'x', { fault: { type: 'server_error', status: 524 } });
    expect(timeout.statusCode).toBe(524);
    expect(await timeout.body.text()).toContain('A timeout occurred');
  });

  it('hangs without answering until the client gives up (counted as aborted)', async () => {
    await expect(sendWith('tok', 'x', { fault: { type: 'hang' }, timeoutMs: 200 })).rejects.toThrow();
    await waitFor(() => sim.aborted === 1);
  });

  it('resets the connection mid-stream after N chunks', async () => {
    const res = await sendWith('tok', 'x', { fault: { type: 'reset_mid_stream', afterChunks: 2 } });
    expect(res.statusCode).toBe(200);
    const received: string[] = [];
    await expect(
      (async () => {
        for await (const chunk of res.body) received.push(String(chunk));
      })(),
    ).rejects.toThrow();
    const appends = parseSse(received.join('')).filter(
      (e) =>
        e.data.includes('"p":"/message/content/parts/0"') ||
        (e.data.startsWith('{"v":') && !e.data.includes('query')),
    );
    expect(appends).toHaveLength(2);
    expect(sim.aborted).toBe(0);
  });

  it('stalls mid-stream, keeping the socket open', async () => {
    sim.setOptions({ replyChunks: 4 });
    const res = await sendWith('tok', 'x', {
      fault: { type: 'stall_mid_stream', afterChunks: 1 },
      timeoutMs: 300,
    });
    expect(res.statusCode).toBe(200);
    const received: string[] = [];
    await expect(
      (async () => {
        for await (const chunk of res.body) received.push(String(chunk));
      })(),
    ).rejects.toThrow();
    const text = received.join('');
    expect(text).toContain('"o":"append"');
    expect(text).not.toContain('[DONE]');
  });

  it('sends a malformed data line and ends without [DONE]', async () => {
    const res = await sendWith('tok', 'x', { fault: { type: 'malformed_chunk', afterChunks: 3 } });
    const events = parseSse(await res.body.text());
    const broken = events.filter((e) => {
      try {
        JSON.parse(e.data);
        return false;
      } catch {
        return true;
      }
    });
    expect(broken).toHaveLength(1);
    expect(events.some((e) => e.data === '[DONE]')).toBe(false);
  });

  it('allows one message at a time per account, and counts client aborts', async () => {
    sim.setOptions({ chunkDelayMs: 40 });
    const first = await sendWith('tok', 'slow');
    expect(first.statusCode).toBe(200);
    const second = await sendWith('tok', 'second');
    expect(second.statusCode).toBe(429);
    expect(((await second.body.json()) as { detail: string }).detail).toMatch(/^Only one message at a time/);
    const otherAccount = await sendWith('tok-2', 'parallel');
    expect(otherAccount.statusCode).toBe(200);

    first.body.on('error', () => undefined).destroy();
    await waitFor(() => sim.aborted === 1);
    await otherAccount.body.dump();
    const third = await sendWith('tok', 'after abort');
    expect(third.statusCode).toBe(200);
    expect(readChatgptReply(await third.body.text()).text).toBe(simulatedReply('after abort', 0));
    expect(sim.aborted).toBe(1);
  });

  it('close() ends hung requests at once', async () => {
    const pending = sendWith('tok', 'x', { fault: { type: 'hang' } }).then(
      () => 'answered',
      () => 'failed',
    );
    await waitFor(() => sim.log.some((e) => e.path === '/backend-api/f/conversation'));
    await sim.close();
    expect(await pending).toBe('failed');
  });
});
