import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { SIM_CUTOFF_MARKER, simulatedReply, startUpstreamSim } from './index.js';
import type { UpstreamSim } from './index.js';
import {
  chatgptTurn,
  parseSse,
  readChatgptReply,
  requirementsToken,
  sendBody,
  solveProof,
  tamperedProof,
} from './test-client.js';

let sim: UpstreamSim;
beforeEach(async () => {
  sim = await startUpstreamSim();
});
afterEach(async () => {
  await sim.close();
});

const turn = (token: string, prompt: string, extra: Partial<Parameters<typeof chatgptTurn>[0]> = {}) =>
  chatgptTurn({ baseUrl: sim.chatgptBaseUrl, token, prompt, ...extra });

describe('ChatGPT send path', () => {
  it('streams a delta-encoded reply with traps a client must skip', async () => {
    const res = await turn('tok-a', 'Hello there');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('text/event-stream');
    const events = parseSse(res.text);
    expect(events[0]).toEqual({ event: 'delta_encoding', data: '"v1"' });
    expect(res.text).toMatch(/[\uE200-\uE206]/);
    expect(res.text).toContain('"recipient":"web.run"');
    expect(res.text).toContain('"role":"system"');
    expect(events.some((e) => e.data.startsWith('{"v":'))).toBe(true);
    expect(
      events.some((e) => e.data.includes('"o":"patch"') && e.data.includes('finished_successfully')),
    ).toBe(true);
    expect(events.at(-2)?.data).toContain('message_stream_complete');
    expect(events.at(-1)?.data).toBe('[DONE]');
    const reply = readChatgptReply(res.text);
    expect(reply.text).toBe(simulatedReply('Hello there', 0));
    expect(reply.title).toBeTruthy();
    expect(reply.finishType).toBe('stop');
  });

  it('streams a cumulative reply on the older /conversation path', async () => {
    sim.setOptions({ encoding: 'cumulative' });
    const res = await turn('tok-a', 'Old style', { path: '/conversation' });
    expect(res.status).toBe(200);
    const events = parseSse(res.text);
    expect(JSON.parse(events[0]!.data).message.author.role).toBe('system');
    const parts = events
      .filter((e) => e.data !== '[DONE]')
      .map((e) => JSON.parse(e.data).message)
      .filter((m) => m.author.role === 'assistant')
      .map((m) => m.content.parts[0] as string);
    for (let i = 1; i < parts.length; i++) expect(parts[i]!.startsWith(parts[i - 1]!)).toBe(true);
    expect(readChatgptReply(res.text).text).toBe(simulatedReply('Old style', 0));
    expect(events.at(-1)?.data).toBe('[DONE]');
  });

  it('remembers the conversation: follow-ups, wrong parent, other token, listing and delete', async () => {
    const first = readChatgptReply((await turn('tok-a', 'One')).text);
    const followUp = { conversationId: first.conversationId!, parentId: first.messageId! };
    const second = readChatgptReply((await turn('tok-a', 'Two', { followUp })).text);
    expect(second.text).toBe(simulatedReply('Two', 1));
    expect(second.conversationId).toBe(first.conversationId);
    expect(second.title).toBeUndefined();

    const wrongParent = await turn('tok-a', 'Three', { followUp: { ...followUp, parentId: 'no-such-id' } });
    expect(wrongParent.status).toBe(400);
    const otherToken = await turn('tok-b', 'Mine?', { followUp });
    expect(otherToken.status).toBe(404);

    const auth = { authorization: 'Bearer tok-a' };
    const list = await request(`${sim.chatgptBaseUrl}/conversations?offset=0&limit=28`, { headers: auth });
    const listed = (await list.body.json()) as { items: { id: string }[]; total: number };
    expect(listed.items.map((i) => i.id)).toEqual([first.conversationId]);

    const get = await request(`${sim.chatgptBaseUrl}/conversation/${first.conversationId}`, {
      headers: auth,
    });
    const full = (await get.body.json()) as {
      current_node: string;
      mapping: Record<string, { message: { content: { parts: string[] } } | null }>;
    };
    expect(full.current_node).toBe(second.messageId);
    expect(full.mapping[second.messageId!]?.message?.content.parts[0]).toBe(second.text);

    const title = await request(`${sim.chatgptBaseUrl}/conversation/gen_title/${first.conversationId}`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ message_id: first.messageId }),
    });
    expect(((await title.body.json()) as { title: string }).title).toContain('One');

    const hide = await request(`${sim.chatgptBaseUrl}/conversation/${first.conversationId}`, {
      method: 'PATCH',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ is_visible: false }),
    });
    expect(hide.statusCode).toBe(200);
    await hide.body.dump();
    const gone = await request(`${sim.chatgptBaseUrl}/conversation/${first.conversationId}`, {
      headers: auth,
    });
    expect(gone.statusCode).toBe(404);
    await gone.body.dump();
  });

  it('refuses a tampered proof, a missing requirements token and a bad p', async () => {
    const tampered = await turn('tok-a', 'x', {
      tamper: (h) => ({
        'openai-sentinel-chat-requirements-token': h['openai-sentinel-chat-requirements-token'],
        'openai-sentinel-proof-token': tamperedProof(h['openai-sentinel-proof-token'], h.seed, h.difficulty),
      }),
    });
    expect(tampered.status).toBe(403);
    expect(JSON.parse(tampered.text).detail).toContain('Proof of work');
    const noRequirements = await turn('tok-a', 'x', {
      tamper: (h) => ({ 'openai-sentinel-proof-token': h['openai-sentinel-proof-token'] }),
    });
    expect(noRequirements.status).toBe(403);
    const otherAccount = await chatgptTurn({ baseUrl: sim.chatgptBaseUrl, token: 'tok-b', prompt: 'x' });
    expect(otherAccount.status).toBe(200);

    const badP = await request(`${sim.chatgptBaseUrl}/sentinel/chat-requirements`, {
      method: 'POST',
      headers: { authorization: 'Bearer tok-a', 'content-type': 'application/json' },
      body: JSON.stringify({ p: 'nonsense' }),
    });
    expect(badP.statusCode).toBe(400);
    await badP.body.dump();
  });

  it('requires the configured proof variant (sha3)', async () => {
    sim.setOptions({ powVariant: 'sha3' });
    expect((await turn('tok-a', 'x', { variant: 'fnv' })).status).toBe(403);
    const ok = await turn('tok-a', 'sha3 works', { variant: 'sha3' });
    expect(ok.status).toBe(200);
    expect(readChatgptReply(ok.text).text).toBe(simulatedReply('sha3 works', 0));
  });

  it('serves the two-step sentinel and refuses a bad proof at finalize', async () => {
    sim.setOptions({ sentinel: 'two-step' });
    const headers = { authorization: 'Bearer tok-a', 'content-type': 'application/json' };
    const single = await request(`${sim.chatgptBaseUrl}/sentinel/chat-requirements`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ p: requirementsToken() }),
    });
    expect(single.statusCode).toBe(404);
    await single.body.dump();
    const prepare = async () => {
      const res = await request(`${sim.chatgptBaseUrl}/sentinel/chat-requirements/prepare`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ p: requirementsToken() }),
      });
      return (await res.body.json()) as {
        prepare_token: string;
        proofofwork: { seed: string; difficulty: string };
      };
    };
    const finalize = (body: unknown) =>
      request(`${sim.chatgptBaseUrl}/sentinel/chat-requirements/finalize`, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
      });
    const bad = await prepare();
    const badProof = tamperedProof(
      solveProof(bad.proofofwork.seed, bad.proofofwork.difficulty),
      bad.proofofwork.seed,
      bad.proofofwork.difficulty,
    );
    const refused = await finalize({
      prepare_token: bad.prepare_token,
      proofofwork: badProof,
      turnstile: '',
    });
    expect(refused.statusCode).toBe(403);
    await refused.body.dump();

    const good = await prepare();
    const proof = solveProof(good.proofofwork.seed, good.proofofwork.difficulty);
    const finalized = await finalize({
      prepare_token: good.prepare_token,
      proofofwork: proof,
      turnstile: '',
    });
    const { token } = (await finalized.body.json()) as { token: string };
    const send = await request(`${sim.chatgptBaseUrl}/f/conversation`, {
      method: 'POST',
      headers: { ...headers, 'openai-sentinel-chat-requirements-token': token },
      body: sendBody('two steps'),
    });
    expect(send.statusCode).toBe(200);
    expect(readChatgptReply(await send.body.text()).text).toBe(simulatedReply('two steps', 0));
  });

  it('requires a conduit token when configured', async () => {
    sim.setOptions({ requireConduit: true });
    expect((await turn('tok-a', 'x')).status).toBe(403);
    const prepared = await request(`${sim.chatgptBaseUrl}/f/conversation/prepare`, {
      method: 'POST',
      headers: { authorization: 'Bearer tok-a', 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'next', model: 'auto', parent_message_id: 'client-created-root' }),
    });
    const body = (await prepared.body.json()) as { status: string; conduit_token: string };
    expect(body.status).toBe('ok');
    const ok = await turn('tok-a', 'with conduit', {
      extraHeaders: { 'x-conduit-token': body.conduit_token },
    });
    expect(ok.status).toBe(200);
  });

  it('continues a reply cut off at max_tokens', async () => {
    const prompt = `long one ${SIM_CUTOFF_MARKER}`;
    const cut = readChatgptReply((await turn('tok-a', prompt)).text);
    expect(cut.finishType).toBe('max_tokens');
    const sentinelRes = await request(`${sim.chatgptBaseUrl}/sentinel/chat-requirements`, {
      method: 'POST',
      headers: { authorization: 'Bearer tok-a', 'content-type': 'application/json' },
      body: JSON.stringify({ p: requirementsToken() }),
    });
    const sentinel = (await sentinelRes.body.json()) as {
      token: string;
      proofofwork: { seed: string; difficulty: string };
    };
    const cont = await request(`${sim.chatgptBaseUrl}/f/conversation`, {
      method: 'POST',
      headers: {
        authorization: 'Bearer tok-a',
        'content-type': 'application/json',
        'openai-sentinel-chat-requirements-token': sentinel.token,
        'openai-sentinel-proof-token': solveProof(sentinel.proofofwork.seed, sentinel.proofofwork.difficulty),
      },
      body: JSON.stringify({
        action: 'continue',
        conversation_id: cut.conversationId,
        parent_message_id: cut.messageId,
        model: 'auto',
      }),
    });
    const rest = readChatgptReply(await cont.body.text());
    expect(rest.finishType).toBe('stop');
    expect(cut.text + rest.text).toBe(simulatedReply(prompt, 0));
  });

  it('lets plus accounts use more models, and logs the remote address', async () => {
    sim.addAccount({ accessToken: 'tok-plus', plus: true });
    const models = async (token: string) => {
      const res = await request(`${sim.chatgptBaseUrl}/models`, {
        headers: { authorization: `Bearer ${token}` },
      });
      return ((await res.body.json()) as { models: { slug: string }[] }).models.map((m) => m.slug);
    };
    expect(await models('tok-free')).not.toContain('gpt-4o');
    expect(await models('tok-plus')).toContain('gpt-4o');
    const entry = sim.log.find((e) => e.token === 'tok-plus');
    expect(entry).toMatchObject({
      method: 'GET',
      path: '/backend-api/models',
      remoteAddress: '127.0.0.1',
      status: 200,
    });
  });
});
