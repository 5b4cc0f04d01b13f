import { describe, expect, it } from 'vitest';
import { streamEndHolder } from '../../bench/floor-store.mjs';

/** Feeds the chunks through a holder: what went out before the end, and what left with it. */
function replay(chunks: string[]) {
  const holder = streamEndHolder();
  const sent: string[] = [];
  for (const chunk of chunks) {
    const now = holder.pass(Buffer.from(chunk));
    if (now) sent.push(now.toString());
  }
  return { sent, end: holder.rest()?.toString() };
}

describe("the storing floor's hold on a stream's end", () => {
  const frame = (text: string) => `data: {"choices":[{"delta":{"content":"${text}"}}]}\n\n`;

  it('sends each chunk at once and holds the one with the [DONE] whole, for the end', () => {
    expect(replay([frame('a'), frame('b'), `${frame('c')}data: [DONE]\n\n`])).toEqual({
      sent: [frame('a'), frame('b')],
      end: `${frame('c')}data: [DONE]\n\n`,
    });
  });

  it('finds a [DONE] split across two chunks before any of it goes out', () => {
    const { sent, end } = replay([`${frame('a')}data: [DO`, 'NE]\n\n']);
    expect(sent).toEqual([frame('a')]);
    expect(end).toBe('data: [DONE]\n\n');
  });

  it('holds an unfinished line until its newline, and sends a stream without [DONE] whole', () => {
    const whole = frame('a');
    const { sent, end } = replay([whole.slice(0, 10), whole.slice(10, 30), whole.slice(30)]);
    expect(sent).toEqual([whole]);
    expect(end).toBeUndefined();
    expect(replay([frame('a'), 'data: {"cut']).end).toBe('data: {"cut');
  });
});
