/** When a turn's rows reach the journal: a new conversation's at its first byte, a follow-up's at once. */
import { describe, expect, it } from 'vitest';
import { recordingJournal, tick } from '../../test/helpers/recording-journal.js';
import { conversationRow } from '../../test/helpers/rows.js';
import { startTurnRecord, type TurnOutcome, type TurnStart } from './recorder.js';

function recordingStore() {
  const { batches, journal } = recordingJournal();
  return { batches, store: { journal }, kinds: () => batches.flat().map((op) => op.kind) };
}

const turn = (id: string, streamed = true): TurnStart => ({
  id,
  conversationId: `c-${id}`,
  seq: 0,
  userId: 'u',
  prompt: 'hello',
  parentMessageId: null,
  createdAt: 1,
  streamed,
});

const outcome = (status: TurnOutcome['status'], reply: string): TurnOutcome => ({
  status,
  reply,
  account: 'acc',
  model: 'gpt-4o-mini',
  messageId: null,
  firstByteMs: reply ? 5 : null,
});

const newConversation = (id: string) => conversationRow({ id: `c-${id}`, user_id: 'u' });
/** A turn that opens its own new conversation. */
const startNew = (store: ReturnType<typeof recordingStore>['store'], id: string) =>
  startTurnRecord({ store, clock: () => 9, turn: turn(id), newConversation: newConversation(id) });

const conversationChanges = { title: 'hello', account_name: 'acc', updated_at: 9 };

describe('turn recorder', () => {
  it("writes a new conversation's turn only once its first text goes out, then with its end as one insert", async () => {
    const { batches, store, kinds } = recordingStore();
    const recorder = startNew(store, 't1');
    await tick();
    expect(batches).toEqual([]); // waiting for the upstream: nothing queued
    recorder.started();
    await recorder.finish(outcome('complete', 'hi there'), conversationChanges);
    expect(kinds()).toEqual(['insertConversation', 'insertTurn', 'addUsage']);
    const [conversation, row] = batches.flat();
    expect(conversation).toMatchObject({
      row: { id: 'c-t1', title: 'hello', account_name: 'acc', updated_at: 9 },
    });
    expect(row).toMatchObject({
      row: { id: 't1', status: 'complete', reply: 'hi there', account_name: 'acc', completed_at: 9 },
    });
  });

  it('writes the row when the first text goes out, and the end as updates when it comes later', async () => {
    const { store, kinds } = recordingStore();
    const recorder = startNew(store, 't2');
    recorder.started();
    await tick(); // a streamed start alone is committed within its tick
    expect(kinds()).toEqual(['insertConversation', 'insertTurn']);
    await recorder.finish(outcome('complete', 'later'), conversationChanges);
    expect(kinds()).toEqual([
      'insertConversation',
      'insertTurn',
      'updateConversation',
      'finishTurn',
      'addUsage',
    ]);
  });

  it('writes a turn that failed before any text as one insert with its error', async () => {
    const { batches, store, kinds } = recordingStore();
    const recorder = startNew(store, 't3');
    await recorder.finish({ ...outcome('error', ''), errorCode: 'upstream_error', errorMessage: 'down' });
    expect(kinds()).toEqual(['insertConversation', 'insertTurn', 'addUsage']);
    expect(batches.flat()[1]).toMatchObject({
      row: { id: 't3', status: 'error', error_code: 'upstream_error' },
    });
  });

  it("queues a follow-up's row at once: a concurrent follow-up must see it to number itself", async () => {
    const { store, kinds } = recordingStore();
    const recorder = startTurnRecord({ store, clock: () => 9, turn: turn('t4') });
    await tick();
    expect(kinds()).toEqual(['insertTurn']);
    recorder.started();
    await recorder.finish(outcome('complete', 'ok'));
    expect(kinds()).toEqual(['insertTurn', 'finishTurn', 'addUsage']);
  });

  it("counts a new conversation's turn as running before its row is queued, so other ends wait for it", async () => {
    const { batches, store } = recordingStore();
    const waiting = startNew(store, 'slow');
    const quick = startNew(store, 'quick');
    quick.started();
    const quickDone = quick.finish(outcome('complete', 'q'), conversationChanges);
    await tick();
    expect(batches).toEqual([]); // 'slow' runs: the quick end waits up to endDelayMs to share a commit
    await quickDone;
    expect(batches).toHaveLength(1);
    await waiting.finish(outcome('cancelled', ''));
  });
});
