/**
 * What each target is asked, per API and mode: the same prompt, model and reply length through
 * every path, so the only difference is the gateway in between.
 */
import { getSentinel, sendBody } from '../test/upstream-sim/test-client.js';
import { FAST_MODEL } from './ours.js';

export type TargetName = 'direct' | 'floor' | 'floor-store' | 'ours' | 'portkey';
export type Api = 'v1' | 'api-chat';
export type Mode = 'non-stream' | 'stream';

export interface RequestSpec {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: string;
  /** Headers per connection (connection i uses entry i mod length), replacing `headers`. */
  perConnectionHeaders?: Record<string, string>[];
}

export interface Endpoints {
  sim: { url: string; openaiBaseUrl: string; chatgptBaseUrl: string };
  simApiKey: string;
  /** The bare Node proxy (bench/floor-server.mjs). */
  floor?: { url: string; key: string };
  /** The storing floor: the bare proxy that also stores and logs every turn (bench/floor-store.mjs). */
  floorStore?: { url: string; key: string };
  ours?: { url: string; userKey: string };
  portkey?: { url: string };
  /** Access tokens of the simulator's ChatGPT accounts (one per concurrent direct connection). */
  chatgptTokens: string[];
}

export const PROMPT = 'Say hello to the benchmark';
const JSON_HEADERS = { 'content-type': 'application/json' };

export function completionBody(mode: Mode, model = FAST_MODEL): string {
  return JSON.stringify({
    model,
    messages: [{ role: 'user', content: PROMPT }],
    ...(mode === 'stream' ? { stream: true } : {}),
  });
}

/** A /v1/chat/completions request for one target; undefined when the target is not running. */
export function v1Request(endpoints: Endpoints, target: TargetName, mode: Mode): RequestSpec | undefined {
  const body = completionBody(mode);
  const post = (url: string, headers: Record<string, string>): RequestSpec => ({
    url,
    method: 'POST',
    headers: { ...JSON_HEADERS, ...headers },
    body,
  });
  const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
  const { sim, floor, floorStore, ours, portkey } = endpoints;
  switch (target) {
    case 'direct':
      return post(`${sim.openaiBaseUrl}/chat/completions`, bearer(endpoints.simApiKey));
    case 'floor':
      return floor && post(`${floor.url}/v1/chat/completions`, bearer(floor.key));
    case 'floor-store':
      return floorStore && post(`${floorStore.url}/v1/chat/completions`, bearer(floorStore.key));
    case 'ours':
      return ours && post(`${ours.url}/v1/chat/completions`, bearer(ours.userKey));
    case 'portkey':
      return (
        portkey &&
        post(`${portkey.url}/v1/chat/completions`, {
          ...bearer(endpoints.simApiKey),
          'x-portkey-provider': 'openai',
          'x-portkey-custom-host': sim.openaiBaseUrl,
        })
      );
  }
}

/**
 * The ChatGPT-web turn: ours through `/api/chat` (JSON), direct as the simulator's own
 * `/backend-api/conversation` with one sentinel grant per account, solved once and reused (the
 * simulator accepts a grant until it expires), so direct pays for the reply only.
 */
export async function apiChatRequest(
  endpoints: Endpoints,
  target: 'direct' | 'ours',
): Promise<RequestSpec | undefined> {
  if (target === 'ours') {
    if (!endpoints.ours) return undefined;
    return {
      url: `${endpoints.ours.url}/api/chat`,
      method: 'POST',
      headers: JSON_HEADERS,
      // `auto` routes to ChatGPT-web accounts only; without a model any free account may serve.
      body: JSON.stringify({ user: endpoints.ours.userKey, prompt: PROMPT, model: 'auto' }),
    };
  }
  const perConnectionHeaders: Record<string, string>[] = [];
  for (const token of endpoints.chatgptTokens) {
    const {
      seed: _seed,
      difficulty: _difficulty,
      ...sentinel
    } = await getSentinel(endpoints.sim.chatgptBaseUrl, token);
    perConnectionHeaders.push({
      ...JSON_HEADERS,
      accept: 'text/event-stream',
      authorization: `Bearer ${token}`,
      ...sentinel,
    });
  }
  return {
    url: `${endpoints.sim.chatgptBaseUrl}/conversation`,
    method: 'POST',
    headers: perConnectionHeaders[0] ?? JSON_HEADERS,
    body: sendBody(PROMPT),
    perConnectionHeaders,
  };
}
