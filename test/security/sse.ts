/** Reads an SSE answer of our API: the `data:` payloads, parsed. */
import { request } from 'undici';

export type SseData = Record<string, unknown>;

export function parseSse(text: string): SseData[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('data: ') && line !== 'data: [DONE]')
    .map((line) => JSON.parse(line.slice(6)) as SseData);
}

export const deltaText = (events: SseData[]): string =>
  events
    .filter((e) => e.type === 'delta')
    .map((e) => String(e.text))
    .join('');

/**
 * Opens a stream and hands each parsed event to `onEvent`; returning true from it hangs up.
 * Resolves with every event received and whether we hung up.
 */
export async function readStream(
  url: string,
  onEvent: (event: SseData, all: SseData[]) => boolean | void = () => undefined,
  timeoutMs = 20_000,
): Promise<{ status: number; events: SseData[]; hungUp: boolean; headers: Record<string, unknown> }> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error('stream read timed out')), timeoutMs);
  const events: SseData[] = [];
  let hungUp = false;
  try {
    const res = await request(url, { signal: controller.signal });
    let buffer = '';
    try {
      for await (const chunk of res.body) {
        buffer += (chunk as Buffer).toString('utf8');
        let end = buffer.indexOf('\n\n');
        while (end !== -1) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          for (const event of parseSse(`${frame}\n`)) {
            events.push(event);
            if (onEvent(event, events) === true && !hungUp) {
              hungUp = true;
              res.body.destroy();
            }
          }
          end = buffer.indexOf('\n\n');
        }
        if (hungUp) break;
      }
    } catch (error) {
      if (!hungUp) throw error;
    }
    if (res.statusCode !== 200 && events.length === 0 && buffer) events.push(JSON.parse(buffer) as SseData);
    return { status: res.statusCode, events, hungUp, headers: res.headers };
  } finally {
    clearTimeout(timer);
  }
}
