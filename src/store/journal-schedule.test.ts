/** When the journal commits: which turns share a transaction (the writer only records batches). */
import { describe, expect, it } from 'vitest';
import type { JournalOp, TurnEnd } from './journal.js';
import { recordingJournal, tick } from '../../test/helpers/recording-journal.js';
import { turnRow } from '../../test/helpers/rows.js';

function recordingTurns() {
  const { batches, journal } = recordingJournal();
  const begin = (id: string) =>
    journal.begin({ turn: turnRow({ id, conversation_id: 'c', user_id: 'u' }), awaitEnd: true });
  const beginStreamed = (id: string, announced = false) =>
    journal.begin({ turn: turnRow({ id, conversation_id: 'c', user_id: 'u' }), announced });
  const end = (turnId: string): Promise<void> => journal.end(endOf(turnId));
  const turnsIn = (batch: JournalOp[] | undefined) =>
    (batch ?? []).flatMap((op) => (op.kind === 'insertTurn' ? [op.row.id] : []));
  return { batches, journal, begin, beginStreamed, end, turnsIn };
}

function endOf(turnId: string): TurnEnd {
  return {
    turnId,
    completion: { status: 'complete', reply: 'r', completed_at: 1 },
    usage: {
      day: '2026-11-26',
      user_id: 'u',
      account_name: 'a',
      requests: 1,
      failures: 0,
      prompt_chars: 1,
      reply_chars: 1,
      prompt_tokens: 0,
      completion_tokens: 0,
    },
  };
}

describe('journal commit timing', () => {
  it('commits the end of the only running turn as soon as the code that ended it is done', async () => {
    const j = recordingTurns();
    void j.begin('t1');
    const ended = j.end('t1');
    expect(j.batches).toHaveLength(0);
    await Promise.resolve();
    expect(j.batches).toHaveLength(1);
    await ended;
    expect(j.batches.map(j.turnsIn)).toEqual([['t1']]);
  });

  it('lets an end wait while another turn runs, and commits both ends together', async () => {
    const j = recordingTurns();
    void j.begin('t1');
    void j.begin('t2');
    const first = j.end('t1');
    await tick();
    expect(j.batches).toHaveLength(0);
    const second = j.end('t2');
    await Promise.all([first, second]);
    expect(j.batches.map(j.turnsIn)).toEqual([['t1', 't2']]);
  });

  it('commits a waiting end after the delay even when the other turn never ends', async () => {
    const j = recordingTurns();
    void j.begin('t1');
    void j.begin('long');
    await j.end('t1');
    expect(j.batches.map(j.turnsIn)).toEqual([['t1', 'long']]);
    expect(j.batches[0]?.filter((op) => op.kind === 'addUsage')).toHaveLength(1);
  });

  it('commits a streamed start within its tick, or with the next end while another turn runs', async () => {
    const alone = recordingTurns();
    await alone.beginStreamed('s1');
    expect(alone.batches.map(alone.turnsIn)).toEqual([['s1']]);

    const busy = recordingTurns();
    void busy.begin('t1');
    const started = busy.beginStreamed('s2');
    await tick();
    expect(busy.batches).toHaveLength(0);
    await Promise.all([started, busy.end('t1')]);
    expect(busy.batches.map(busy.turnsIn)).toEqual([['t1', 's2']]);
  });

  it('lets an end wait for a turn announced as running whose row is not queued yet', async () => {
    const j = recordingTurns();
    void j.begin('t1');
    j.journal.running();
    const first = j.end('t1');
    await tick();
    expect(j.batches).toHaveLength(0); // 'later' is running: t1's end waits to share a commit
    const started = j.beginStreamed('later', true);
    await Promise.all([first, started, j.end('later')]);
    expect(j.batches.map(j.turnsIn)).toEqual([['t1', 'later']]);
    expect(j.batches[0]?.some((op) => op.kind === 'finishTurn')).toBe(false); // ended before written
  });

  it('counts an announced turn once: once it has ended, the next lone turn commits at once', async () => {
    const j = recordingTurns();
    j.journal.running();
    const started = j.beginStreamed('announced', true);
    await Promise.all([started, j.end('announced')]);
    void j.begin('alone');
    const ended = j.end('alone');
    const before = j.batches.length;
    await Promise.resolve();
    expect(j.batches).toHaveLength(before + 1); // not held back for a turn still counted as running
    await ended;
  });
});
