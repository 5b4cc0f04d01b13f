/**
 * Test-side helpers: a tiny proof-of-work solver (independent of src/upstream/chatgpt) and SSE
 * readers, so the simulator's tests drive it like a real client would.
 */
import { randomUUID } from 'node:crypto';
import { request } from 'undici';
import { fnv1aHex, sha3Hex } from './pow-verify.js';

export function baseConfig(): unknown[] {
  return [
    3000,
    new Date().toString(),
    4294705152,
    0,
    'Mozilla/5.0 (X11; Linux x86_64) Sim/1.0',
    'https://cdn.oaistatic.com/_next/static/chunks/main.js',
    'prod-sim',
    'en-US',
    'en-US,en',
    0,
    'webdriver−false',
    'location',
    'onload',
    1234.5,
    randomUUID(),
    '',
    8,
    Date.now(),
  ];
}

export function requirementsToken(variant: 'fnv' | 'sha3' = 'fnv'): string {
  const config = baseConfig();
  config[3] = 1;
  return 'gAAAAAC' + Buffer.from(JSON.stringify(config)).toString('base64') + (variant === 'fnv' ? '~S' : '');
}

export function solveProof(seed: string, difficulty: string, variant: 'fnv' | 'sha3' = 'fnv'): string {
  const config = baseConfig();
  for (let i = 0; i < 500_000; i++) {
    config[3] = i;
    config[9] = i >> 1;
    const encoded = Buffer.from(JSON.stringify(config)).toString('base64');
    const hash = variant === 'fnv' ? fnv1aHex(seed + encoded) : sha3Hex(seed + encoded);
    if (hash.slice(0, difficulty.length) <= difficulty)
      return 'gAAAAAB' + encoded + (variant === 'fnv' ? '~S' : '');
  }
  throw new Error('no proof found');
}

/**
 * A valid proof with its nonce changed until it no longer meets the difficulty: what a tampered
 * or replayed-for-another-seed proof looks like to the verifier.
 */
export function tamperedProof(validProof: string, seed: string, difficulty: string): string {
  const variant = validProof.endsWith('~S') ? 'fnv' : 'sha3';
  const encoded = validProof.slice('gAAAAAB'.length, variant === 'fnv' ? -2 : undefined);
  const config = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as unknown[];
  for (let nonce = (config[3] as number) + 1; ; nonce++) {
    config[3] = nonce;
    const changed = Buffer.from(JSON.stringify(config)).toString('base64');
    const hash = variant === 'fnv' ? fnv1aHex(seed + changed) : sha3Hex(seed + changed);
    if (hash.slice(0, difficulty.length) > difficulty)
      return 'gAAAAAB' + changed + (variant === 'fnv' ? '~S' : '');
  }
}

export interface SentinelHeaders {
  'openai-sentinel-chat-requirements-token': string;
  'openai-sentinel-proof-token': string;
  /** The challenge, for tests that tamper with the proof. */
  seed: string;
  difficulty: string;
}

export async function getSentinel(
  baseUrl: string,
  token: string,
  variant: 'fnv' | 'sha3' = 'fnv',
): Promise<SentinelHeaders> {
  const res = await request(`${baseUrl}/sentinel/chat-requirements`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ p: requirementsToken(variant) }),
  });
  const body = (await res.body.json()) as {
    token: string;
    proofofwork: { seed: string; difficulty: string };
  };
  if (res.statusCode !== 200) throw new Error(`sentinel ${res.statusCode}`);
  return {
    'openai-sentinel-chat-requirements-token': body.token,
    'openai-sentinel-proof-token': solveProof(body.proofofwork.seed, body.proofofwork.difficulty, variant),
    seed: body.proofofwork.seed,
    difficulty: body.proofofwork.difficulty,
  };
}

export function sendBody(prompt: string, followUp?: { conversationId: string; parentId: string }): string {
  return JSON.stringify({
    action: 'next',
    messages: [
      {
        id: randomUUID(),
        author: { role: 'user' },
        create_time: Date.now() / 1000,
        content: { content_type: 'text', parts: [prompt] },
        metadata: {},
      },
    ],
    parent_message_id: followUp?.parentId ?? 'client-created-root',
    ...(followUp ? { conversation_id: followUp.conversationId } : {}),
    model: 'auto',
    conversation_mode: { kind: 'primary_assistant' },
    timezone_offset_min: 0,
    history_and_training_disabled: false,
    supported_encodings: ['v1'],
  });
}

export interface SseEvent {
  event?: string;
  data: string;
}

export function parseSse(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  for (const block of text.split('\n\n')) {
    if (!block.trim()) continue;
    let event: string | undefined;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    events.push({ event, data: data.join('\n') });
  }
  return events;
}

const CITATION = /[\uE200-\uE206]/g;

export interface ChatgptReply {
  text: string;
  conversationId?: string;
  messageId?: string;
  title?: string;
  finishType?: string;
  sawDone: boolean;
}

type Json = Record<string, unknown>;

function isReplyMessage(message: Json | undefined): boolean {
  const author = message?.author as Json | undefined;
  const content = message?.content as Json | undefined;
  return author?.role === 'assistant' && message?.recipient === 'all' && content?.content_type === 'text';
}

/** Reads a ChatGPT reply stream in either encoding, the way a client must. */
export function readChatgptReply(text: string): ChatgptReply {
  const reply: ChatgptReply = { text: '', sawDone: false };
  let current: Json | undefined;
  let lastPath = '';
  let lastOp = '';
  const applyOp = (op: Json): void => {
    const path = typeof op.p === 'string' ? op.p : lastPath;
    const kind = typeof op.o === 'string' ? op.o : lastOp;
    lastPath = path;
    lastOp = kind;
    if (kind === 'add' && path === '') {
      const v = op.v as Json;
      current = v.message as Json;
      reply.conversationId = (v.conversation_id as string) ?? reply.conversationId;
      if (isReplyMessage(current)) {
        reply.messageId = current.id as string;
        reply.text += ((current.content as Json).parts as string[])[0] ?? '';
      }
    } else if (kind === 'patch') {
      for (const inner of op.v as Json[]) applyOp(inner);
      lastPath = '';
      lastOp = 'patch';
    } else if (kind === 'append' && path === '/message/content/parts/0' && isReplyMessage(current)) {
      reply.text += op.v as string;
    } else if (kind === 'append' && path === '/message/metadata') {
      const details = (op.v as Json).finish_details as Json | undefined;
      if (details && isReplyMessage(current)) reply.finishType = details.type as string;
    }
  };
  let cumulative = '';
  for (const event of parseSse(text)) {
    if (event.data === '[DONE]') {
      reply.sawDone = true;
      continue;
    }
    if (event.event === 'delta_encoding') continue;
    const data = JSON.parse(event.data) as Json;
    if (data.type === 'title_generation') reply.title = data.title as string;
    if (typeof data.type === 'string') continue;
    if ('message' in data && !('o' in data) && !('p' in data)) {
      const message = data.message as Json;
      reply.conversationId = data.conversation_id as string;
      if (!isReplyMessage(message)) continue;
      cumulative = ((message.content as Json).parts as string[])[0] ?? '';
      reply.messageId = message.id as string;
      const details = (message.metadata as Json).finish_details as Json | null;
      if (details) reply.finishType = details.type as string;
      reply.text = cumulative;
      continue;
    }
    applyOp(data);
  }
  reply.text = reply.text.replace(CITATION, '');
  return reply;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** Sentinel + send of one ChatGPT turn; `tamper` lets a test break the sentinel headers. */
export async function chatgptTurn(input: {
  baseUrl: string;
  token: string;
  prompt: string;
  followUp?: { conversationId: string; parentId: string };
  path?: '/f/conversation' | '/conversation';
  variant?: 'fnv' | 'sha3';
  tamper?: (headers: SentinelHeaders) => Record<string, string>;
  extraHeaders?: Record<string, string>;
}): Promise<RawResponse> {
  const sentinel = await getSentinel(input.baseUrl, input.token, input.variant);
  const { seed: _seed, difficulty: _difficulty, ...sentinelHeaders } = sentinel;
  const headers = input.tamper ? input.tamper(sentinel) : sentinelHeaders;
  const res = await request(`${input.baseUrl}${input.path ?? '/f/conversation'}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${input.token}`,
      'content-type': 'application/json',
      accept: 'text/event-stream',
      ...headers,
      ...input.extraHeaders,
    },
    body: sendBody(input.prompt, input.followUp),
  });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

/** Polls until `check` is true; fails after `timeoutMs` (a bounded wait, not a timing assertion). */
export async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
