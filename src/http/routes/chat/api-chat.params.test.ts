/**
 * /api/chat parameter by parameter: accepted spellings, bad values (400 naming the field), the
 * original's defaults, and the caller's own access token.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulatedReply } from '../../../../test/upstream-sim/index.js';
import { startStack, type Stack } from '../../../../test/helpers/stack.js';

const q = (params: Record<string, string>) => new URLSearchParams(params).toString();

describe('/api/chat parameters', () => {
  let stack: Stack;
  let key: string;
  let plusKey: string;
  const chat = (params: Record<string, string>) => stack.call(`/api/chat?${q({ user: key, ...params })}`);

  beforeAll(async () => {
    stack = await startStack({
      accounts: [{ name: 'free-1' }, { name: 'plus-1', plus: true }],
    });
    key = await stack.addUser('alice');
    plusKey = await stack.addUser('paula', { plus: true });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('user: accepted as a parameter or a Bearer token, refused when missing or wrong', async () => {
    const bearer = await stack.call('/api/chat?prompt=hi', { headers: { authorization: `Bearer ${key}` } });
    expect(bearer.status).toBe(200);
    expect(bearer.json?.api_user).toBe('alice');
    const form = await stack.call('/api/chat', { form: q({ user: key, prompt: 'by form' }) });
    expect(form.json?.reply).toBe(simulatedReply('by form', 0));
    expect((await stack.call('/api/chat?prompt=hi&user=')).json?.message).toBe('No user specified');
    expect((await stack.call('/api/chat?prompt=hi', { headers: { authorization: 'Bearer x' } })).status).toBe(
      401,
    );
  });

  it('prompt: blank or missing gets the fixed reply; the first of repeated values wins', async () => {
    const before = stack.sim.log.length;
    for (const res of [await chat({}), await chat({ prompt: '   \n ' })]) {
      expect(res.status).toBe(200);
      expect(res.json?.reply).toMatch(/left the prompt blank/);
    }
    expect(stack.sim.log.length).toBe(before);
    const repeated = await stack.call(`/api/chat?user=${key}&prompt=first&prompt=second`);
    expect(repeated.json?.api_prompt).toBe('first');
    const wrongType = await stack.call('/api/chat', { json: { user: key, prompt: 42 } });
    expect(wrongType.status).toBe(400);
    expect(wrongType.json?.field).toBe('prompt');
  });

  it('plus: false by default (a free account), true for plus users, any for either', async () => {
    expect((await chat({ prompt: 'x' })).json?.account).toBe('free-1');
    const plusUser = (plus: string) =>
      stack.call(`/api/chat?${q({ user: plusKey, prompt: 'x', plus })}`).then((r) => r.json?.account);
    expect(await plusUser('TRUE')).toBe('plus-1');
    expect(await plusUser('yes')).toBe('plus-1');
    expect(await plusUser('0')).toBe('free-1');
    expect(['free-1', 'plus-1']).toContain(await plusUser('Any'));
    const asJson = await stack.call('/api/chat', { json: { user: plusKey, prompt: 'x', plus: true } });
    expect(asJson.json?.account).toBe('plus-1');
    expect((await chat({ prompt: 'x', plus: 'true' })).status).toBe(403);
  });

  it.each(['plus', 'reply_only', 'pretty', 'user_plus', 'stream'])(
    '%s: an unknown value is a 400 naming the field, before any upstream call',
    async (field) => {
      const before = stack.sim.log.length;
      const res = await chat({ prompt: 'x', [field]: 'maybe' });
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({ status: 'error', code: 'invalid_request', field });
      expect(stack.sim.log.length).toBe(before);
    },
  );

  it('booleans accept true/false/1/0/yes/no in any case', async () => {
    for (const word of ['true', 'TRUE', '1', 'Yes']) {
      const res = await chat({ prompt: 'b', reply_only: word });
      expect(res.headers['content-type'], word).toContain('text/plain');
    }
    for (const word of ['false', 'False', '0', 'NO']) {
      const res = await chat({ prompt: 'b', reply_only: word });
      expect(res.headers['content-type'], word).toContain('application/json');
    }
  });

  it("keeps the original's defaults: JSON, pretty alone changes nothing, no stream", async () => {
    const res = await chat({ prompt: 'defaults' });
    expect(res.headers['content-type']).toContain('application/json');
    expect(res.json).toMatchObject({
      status: 'success',
      api_user: 'alice',
      api_prompt: 'defaults',
      conversation_id: expect.any(String),
      conversation_title: expect.any(String),
      api_response_time_taken: expect.any(Number),
      api_prompt_time_origin: expect.any(Number),
      message_id: expect.any(String),
      model: expect.any(String),
      account: 'free-1',
    });
    const pretty = await chat({ prompt: 'defaults', pretty: 'true' });
    expect(pretty.headers['content-type']).toContain('application/json');
  });

  it('pretty HTML keeps no script or javascript: link', async () => {
    const prompt = 'Answer with <script>alert(1)</script> and [x](javascript:alert(1)) please';
    const res = await chat({ prompt, reply_only: 'true', pretty: 'true' });
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.text).not.toMatch(/<script/i);
    expect(res.text).not.toMatch(/javascript:/i);
  });

  it('stream: SSE events start, delta…, title, done in that order', async () => {
    const res = await chat({ prompt: 'streamed', stream: 'YES' });
    expect(res.headers['content-type']).toContain('text/event-stream');
    const names = [...res.text.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
    const collapsed = names.filter((n, i) => n !== names[i - 1]);
    expect(collapsed).toEqual(['start', 'delta', 'title', 'done']);
  });

  it('stream: a failure after the first delta arrives as an error event', async () => {
    stack.sim.setFault(stack.secretOf('free-1'), { type: 'reset_mid_stream', afterChunks: 2 }, 1);
    const res = await chat({ prompt: 'cut short', stream: 'true' });
    expect(res.status).toBe(200);
    const names = [...res.text.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
    expect(names[0]).toBe('start');
    expect(names.at(-1)).toBe('error');
    expect(res.text).toMatch(/"status":"error"/);
  });

  it('conversation_id: unknown → 404, too long → 400', async () => {
    const unknown = await chat({ prompt: 'x', conversation_id: 'no-such-conversation' });
    expect(unknown.status).toBe(404);
    expect(unknown.json?.message).toBe('Conversation not found');
    const long = await chat({ prompt: 'x', conversation_id: 'c'.repeat(129) });
    expect(long.status).toBe(400);
    expect(long.json?.field).toBe('conversation_id');
  });

  it('model: validated against the tier', async () => {
    const ok = await chat({ prompt: 'x', model: 'gpt-4o-mini' });
    expect(ok.status).toBe(200);
    expect(ok.json?.model).toBe('gpt-4o-mini');
    const unknown = await chat({ prompt: 'x', model: 'no-such-model' });
    expect(unknown.status).toBe(404);
    expect(unknown.json?.code).toBe('model_not_found');
    const paid = await chat({ prompt: 'x', model: 'gpt-4o' });
    expect(paid.status).toBe(403);
    const blank = await chat({ prompt: 'x', model: '' });
    expect(blank.status).toBe(400);
    expect(blank.json?.field).toBe('model');
    const forPlus = await stack.call(`/api/chat?${q({ user: plusKey, prompt: 'x', model: 'gpt-4o' })}`);
    expect(forPlus.status).toBe(200);
    expect(forPlus.json?.account).toBe('plus-1');
  });

  it('access_token: too long → 400', async () => {
    const res = await stack.call('/api/chat', {
      json: { user: key, prompt: 'x', access_token: 't'.repeat(8193) },
    });
    expect(res.status).toBe(400);
    expect(res.json?.field).toBe('access_token');
  });

  describe("the caller's own access token", () => {
    beforeAll(() => {
      stack.sim.addAccount({ accessToken: 'own-tok', plus: true });
      stack.sim.addAccount({ accessToken: 'own-tok-free', plus: false });
    });

    const turnsOf = (conversationId: string) =>
      stack.server.server.store.turns.listForConversation(conversationId);

    it('runs the turn on that token, with the paid model when user_plus=true', async () => {
      const before = stack.sim.log.length;
      const res = await chat({ prompt: 'mine', access_token: 'own-tok', user_plus: 'true' });
      expect(res.status, res.text).toBe(200);
      expect(res.json).toMatchObject({ account: 'your access token', reply: simulatedReply('mine', 0) });
      const upstream = stack.sim.log.slice(before).filter((e) => e.path.endsWith('/conversation'));
      expect(upstream.map((e) => e.token)).toEqual(['own-tok']);
      const [turn] = await turnsOf(res.json?.conversation_id as string);
      expect(turn?.model).toBe('gpt-4o');
      const free = await chat({ prompt: 'mine', access_token: 'own-tok-free' });
      expect(free.status).toBe(200);
      const [freeTurn] = await turnsOf(free.json?.conversation_id as string);
      expect(freeTurn?.model).toBe('auto');
    });

    it('needs the same token for a follow-up (409 otherwise), and never stores it', async () => {
      const first = await chat({ prompt: 'one', access_token: 'own-tok', user_plus: 'true' });
      const id = first.json?.conversation_id as string;
      const without = await chat({ prompt: 'two', conversation_id: id });
      expect(without.status).toBe(409);
      expect(without.json?.message).toMatch(/started with an access token/);
      const other = await chat({ prompt: 'two', conversation_id: id, access_token: 'own-tok-free' });
      expect(other.status).toBe(409);
      expect(other.json?.message).toMatch(/different access token/);
      const same = await chat({
        prompt: 'two',
        conversation_id: id,
        access_token: 'own-tok',
        user_plus: 'true',
      });
      expect(same.status).toBe(200);
      expect(same.json?.reply).toBe(simulatedReply('two', 1));
      const turns = await turnsOf(id);
      expect(turns[1]?.parent_message_id).toBe(turns[0]?.upstream_message_id);

      const pooled = await chat({ prompt: 'pool' });
      const mixed = await chat({
        prompt: 'x',
        conversation_id: pooled.json?.conversation_id as string,
        access_token: 'own-tok',
      });
      expect(mixed.status).toBe(409);

      const dataDir = stack.server.storage.dataDir;
      for (const file of readdirSync(dataDir)) {
        expect(readFileSync(path.join(dataDir, file)).includes('own-tok'), file).toBe(false);
      }
      expect(stack.server.logText()).not.toContain('own-tok');
    });

    it('hides a removed own-token conversation upstream only when the token is passed again', async () => {
      const remove = async (accessToken?: string) => {
        const res = await chat({ prompt: 'to hide', access_token: 'own-tok' });
        const before = stack.sim.log.length;
        const removed = await stack.call('/api/remove-conversation', {
          json: { user: key, conversation_id: res.json?.conversation_id, access_token: accessToken },
        });
        expect(removed.status).toBe(200);
        const patches = stack.sim.log.slice(before).filter((e) => e.method === 'PATCH');
        return { hidden: removed.json?.upstream_hidden, tokens: patches.map((e) => e.token) };
      };
      expect(await remove()).toEqual({ hidden: false, tokens: [] });
      expect(await remove('own-tok-free')).toEqual({ hidden: false, tokens: [] });
      expect(await remove('own-tok')).toEqual({ hidden: true, tokens: ['own-tok'] });
    });
  });
});
