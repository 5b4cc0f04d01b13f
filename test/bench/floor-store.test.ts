import { describe, expect, it } from 'vitest';
import { streamReply } from '../../bench/floor-store.mjs';

/**
 * Feeds the chunks through a stream's reader: what went out before the end, what left with it,
 * and the reply's text it collected.
 */
function replay(chunks: (string | Buffer)[]) {
  const reply = streamReply();
  const sent: string[] = [];
  for (const chunk of chunks) {
    const now = reply.pass(Buffer.from(chunk));
    if (now) sent.push(now.toString());
  }
  const text = reply.text();
  return { sent, end: reply.rest()?.toString(), text };
}

describe("the storing floor's reading of a stream: its text, and its end held", () => {
  const frame = (text: string) => `data: {"choices":[{"delta":{"content":"${text}"}}]}\n\n`;

  it('sends each chunk at once and holds the one with the [DONE] whole, for the end', () => {
    expect(replay([frame('a'), frame('b'), `${frame('c')}data: [DONE]\n\n`])).toEqual({
      sent: [frame('a'), frame('b')],
      end: `${frame('c')}data: [DONE]\n\n`,
      text: 'abc',
    });
  });

  it('finds a [DONE] split across two chunks before any of it goes out', () => {
    const { sent, end, text } = replay([`${frame('a')}data: [DO`, 'NE]\n\n']);
    expect(sent).toEqual([frame('a')]);
    expect(end).toBe('data: [DONE]\n\n');
    expect(text).toBe('a');
  });

  it('holds an unfinished line until its newline, and sends a stream without [DONE] whole', () => {
    const whole = frame('a');
    const { sent, end } = replay([whole.slice(0, 10), whole.slice(10, 30), whole.slice(30)]);
    expect(sent).toEqual([whole]);
    expect(end).toBeUndefined();
    expect(replay([frame('a'), 'data: {"cut']).end).toBe('data: {"cut');
  });

  it('collects the text of a line cut inside a character, and of an unfinished last line', () => {
    const bytes = Buffer.from(frame('é€😀'));
    const inside = bytes.indexOf(Buffer.from('€')) + 1;
    expect(replay([bytes.subarray(0, inside), bytes.subarray(inside)]).text).toBe('é€😀');
    expect(replay([frame('a'), 'data: {"choices":[{"delta":{"content":"b"}}]}']).text).toBe('ab');
  });
});
