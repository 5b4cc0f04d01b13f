/**
 * Turn writes, group-committed. A turn's start, its partial replies, its end, its conversation's
 * changes and the day's usage are queued in memory and committed, with the writes of every other
 * turn queued meanwhile, in ONE transaction. A turn's end is committed as soon as the code that
 * queued it is done when no other turn is running; while others run it waits up to `endDelayMs` so
 * that their ends share the commit (at 16 busy connections this took a quarter off the CPU per
 * request, see docs/PERFORMANCE.md). Its start waits up to `startDelayMs` for the end to join
 * it, since most turns end within a few milliseconds: such a turn costs one insert with its
 * final values instead of an insert and an update. Usage rows of the same day, user and account
 * are summed.
 *
 * `end` returns the commit of the turn (start included), and the chat service waits for it
 * before it sends the reply or the stream's last event: a turn acknowledged as done survives a
 * crash. Only a turn whose client waits for the whole reply (`awaitEnd`) lets its start wait that
 * long: a streamed turn's start is committed at once, or, while other turns run, with their ends
 * within `endDelayMs`. So a crash can lose only a running turn started less than `startDelayMs`
 * before whose client got nothing yet, or, under load, a stream opened less than `endDelayMs`
 * before, or one whose start's commit was still on its way (the first byte does not wait for it;
 * a follow-up's start is queued before its upstream call, so the commit nearly always wins).
 * (The chat service begins a turn that opens a new conversation only at its first byte, see
 * chat/recorder.ts, and announces it as `running` until then; a crash before that byte loses
 * that turn too, its client having got nothing.)
 * Reads of conversations, turns and usage flush first (see index.ts). A batch that fails is
 * retried change by change, so one bad change cannot take the others down; a turn whose own row
 * could not be written sees its promise rejected, the rest goes to `onError`.
 */
import type { ConversationChanges } from './conversations.js';
import type { ConversationsTable, TurnsTable } from './schema.js';
import type { TurnCompletion } from './turns.js';
import type { UsageDelta } from './usage.js';

/** A turn row to insert; its owner defaults to this process's instance id. */
export type NewTurn = Omit<TurnsTable, 'owner'> & { owner?: string | null };

export type JournalOp =
  | { kind: 'insertConversation'; row: ConversationsTable }
  | { kind: 'insertTurn'; row: TurnsTable }
  | { kind: 'updateConversation'; id: string; changes: ConversationChanges }
  | { kind: 'finishTurn'; id: string; completion: TurnCompletion }
  | { kind: 'partialReply'; id: string; reply: string }
  | { kind: 'addUsage'; delta: UsageDelta };

/** Runs the ops in order in one transaction (all or nothing). */
export type JournalWriter = (ops: JournalOp[]) => Promise<void>;

/**
 * `begin` and `end` keep the objects they are given (rows, changes, completion, usage) without
 * a copy, and merge later changes into them while they wait: the caller hands them over and
 * does not touch them again. (The copies were promoted by the scavenger on nearly every turn:
 * not making them halved what each scavenge promoted, see docs/performance-rounds.md, the twelfth
 * round.)
 */
export interface TurnBegin {
  /** A new conversation, inserted before the turn. */
  conversation?: ConversationsTable;
  turn: NewTurn;
  /** The client hears nothing before the end: the start may wait to be written with it. */
  awaitEnd?: boolean;
  /** `running()` announced this turn, so it is counted already. */
  announced?: boolean;
}

export interface TurnEnd {
  turnId: string;
  completion: TurnCompletion;
  conversation?: { id: string; changes: ConversationChanges };
  usage: UsageDelta;
}

export interface TurnJournal {
  /**
   * A turn is running whose row is queued later (at its first byte or its end): while it runs,
   * other turns' ends wait a little to share a commit with its writes, as they do for a begun one.
   * Its `begin` then says `announced`.
   */
  running(): void;
  /** Queues the turn's row (and its new conversation); resolves once committed. */
  begin(entry: TurnBegin): Promise<void>;
  /** The reply so far of a turn still running (ignored once the turn has ended). */
  partial(turnId: string, reply: string): void;
  /** Queues the turn's outcome, its conversation's changes and usage; resolves once committed. */
  end(entry: TurnEnd): Promise<void>;
  /** Requests counted today for a user that are not written yet (the quota check adds them). */
  pendingRequests(userId: string, day: string): number;
  /** Writes everything queued now; resolves when it (and any write under way) is committed. */
  flush(): Promise<void>;
}

export interface JournalOptions {
  write: JournalWriter;
  /** How long a turn's start may wait for its end to be written with it. */
  startDelayMs: number;
  /** Owner of the turns whose row names none (this process's instance id). */
  owner: string | null;
  /**
   * How long a turn's end may wait, while other turns are running, for their ends to share its
   * commit. Its client waits for that commit, so this is latency traded for fewer commits; the
   * last running turn's end is committed as soon as the code that ended it is done.
   */
  endDelayMs: number;
  onError(error: unknown, op: JournalOp): void;
}

const usageKey = (d: Pick<UsageDelta, 'day' | 'user_id' | 'account_name'>) =>
  `${d.day}\u0000${d.user_id}\u0000${d.account_name}`;

const USAGE_COUNTERS = [
  'requests',
  'failures',
  'prompt_chars',
  'reply_chars',
  'prompt_tokens',
  'completion_tokens',
] as const;

/** The ops that carry a turn's own row: when one fails, that turn's callers hear of it. */
function turnOf(op: JournalOp): string | undefined {
  if (op.kind === 'insertTurn') return op.row.id;
  if (op.kind === 'finishTurn') return op.id;
  return undefined;
}

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

class PendingChanges {
  conversations = new Map<string, ConversationsTable>();
  turns = new Map<string, TurnsTable>();
  conversationChanges = new Map<string, ConversationChanges>();
  turnEnds = new Map<string, TurnCompletion>();
  partialReplies = new Map<string, string>();
  usage = new Map<string, UsageDelta>();
  waiters = new Map<string, Waiter[]>();
  count = 0;

  waitFor(turnId: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const list = this.waiters.get(turnId);
      if (list) list.push({ resolve, reject });
      else this.waiters.set(turnId, [{ resolve, reject }]);
    });
  }

  /** In dependency order: rows before the changes to them, conversations before their turns. */
  ops(): JournalOp[] {
    const ops: JournalOp[] = [];
    for (const row of this.conversations.values()) ops.push({ kind: 'insertConversation', row });
    for (const row of this.turns.values()) ops.push({ kind: 'insertTurn', row });
    for (const [id, changes] of this.conversationChanges)
      ops.push({ kind: 'updateConversation', id, changes });
    for (const [id, reply] of this.partialReplies) ops.push({ kind: 'partialReply', id, reply });
    for (const [id, completion] of this.turnEnds) ops.push({ kind: 'finishTurn', id, completion });
    for (const delta of this.usage.values()) ops.push({ kind: 'addUsage', delta });
    return ops;
  }

  settle(failures: Map<string, unknown>): void {
    for (const [turnId, list] of this.waiters) {
      const failure = failures.get(turnId);
      for (const waiter of list) {
        if (failures.has(turnId)) waiter.reject(failure);
        else waiter.resolve();
      }
    }
  }
}

export function createTurnJournal(options: JournalOptions): TurnJournal {
  let pending = new PendingChanges();
  let scheduled = false;
  let timer: NodeJS.Timeout | undefined;
  let dueAt = 0;
  /**
   * Turns begun (or announced) and not yet ended: while some run, an end may wait a little to
   * share a commit. A count, not a Set of their ids: a Set whose entries come and go on every turn
   * keeps the scavenger promoting them (see pool/memory-state.ts).
   */
  let runningTurns = 0;
  let inFlight: Promise<void> | undefined;
  /** The batch being committed: its usage is not readable from the database yet. */
  let writing: PendingChanges | undefined;

  /**
   * Commits the pending batch within `delayMs`, or sooner if asked before: 0 means at the end of
   * this tick (after the I/O already waiting), 'now' as soon as the running code is done.
   */
  function queued(delayMs: number | 'now'): void {
    pending.count += 1;
    if (scheduled) return;
    if (delayMs === 'now' || delayMs === 0) {
      scheduled = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (delayMs === 'now') queueMicrotask(() => void flush());
      else setImmediate(() => void flush());
      return;
    }
    const at = performance.now() + delayMs;
    if (timer && at >= dueAt) return;
    if (timer) clearTimeout(timer);
    dueAt = at;
    timer = setTimeout(() => {
      timer = undefined;
      void flush();
    }, delayMs);
  }

  /** Writes the batch; returns the turns whose own row failed, with why. */
  async function writeAll(ops: JournalOp[]): Promise<Map<string, unknown>> {
    const failures = new Map<string, unknown>();
    try {
      await options.write(ops);
      return failures;
    } catch (error) {
      if (ops.length === 1) fail(ops[0] as JournalOp, error);
      else for (const op of ops) await options.write([op]).catch((alone: unknown) => fail(op, alone));
      return failures;
    }

    function fail(op: JournalOp, error: unknown): void {
      const turnId = turnOf(op);
      if (turnId !== undefined) failures.set(turnId, error);
      else options.onError(error, op);
    }
  }

  async function flush(): Promise<void> {
    while (inFlight) await inFlight;
    scheduled = false;
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (pending.count === 0) return;
    const batch = pending;
    pending = new PendingChanges();
    writing = batch;
    inFlight = writeAll(batch.ops())
      .then((failures) => batch.settle(failures))
      .finally(() => {
        inFlight = undefined;
        writing = undefined;
      });
    await inFlight;
  }

  return {
    running() {
      runningTurns += 1;
    },
    begin({ conversation, turn, awaitEnd, announced }) {
      if (conversation) pending.conversations.set(conversation.id, conversation);
      turn.owner ??= options.owner;
      pending.turns.set(turn.id, turn as TurnsTable);
      // A streamed turn's start is written at once, or with the next ends while others run.
      if (!announced) runningTurns += 1;
      const others = runningTurns > 1;
      queued(awaitEnd ? options.startDelayMs : others ? options.endDelayMs : 0);
      return pending.waitFor(turn.id);
    },
    partial(turnId, reply) {
      const row = pending.turns.get(turnId);
      if (row) {
        if (row.status === 'pending') row.reply = reply;
      } else if (!pending.turnEnds.has(turnId)) {
        pending.partialReplies.set(turnId, reply);
      }
      queued(options.startDelayMs);
    },
    end({ turnId, completion, conversation, usage }) {
      const row = pending.turns.get(turnId);
      if (row) Object.assign(row, completion);
      else {
        pending.partialReplies.delete(turnId);
        const earlier = pending.turnEnds.get(turnId);
        pending.turnEnds.set(turnId, earlier ? Object.assign(earlier, completion) : completion);
      }
      if (conversation) {
        const inserted = pending.conversations.get(conversation.id);
        if (inserted) Object.assign(inserted, conversation.changes);
        else {
          const earlier = pending.conversationChanges.get(conversation.id);
          const { changes } = conversation;
          pending.conversationChanges.set(
            conversation.id,
            earlier ? Object.assign(earlier, changes) : changes,
          );
        }
      }
      const key = usageKey(usage);
      const sum = pending.usage.get(key);
      if (sum) for (const counter of USAGE_COUNTERS) sum[counter] += usage[counter];
      else pending.usage.set(key, usage);
      runningTurns = Math.max(0, runningTurns - 1);
      // The last running turn: nothing will join its commit, and its client is waiting.
      queued(runningTurns > 0 ? options.endDelayMs : 'now');
      return pending.waitFor(turnId);
    },
    pendingRequests(userId, day) {
      let requests = 0;
      for (const batch of writing ? [writing, pending] : [pending])
        for (const delta of batch.usage.values())
          if (delta.user_id === userId && delta.day === day) requests += delta.requests;
      return requests;
    },
    flush,
  };
}
