/**
 * The storing floor's extra work (`floor-server.mjs --store FILE`, `floor+store` in
 * `npm run bench:compare`): the least a gateway that keeps every conversation must add to the
 * floor. Each turn is one row (integer key, no index) in SQLite, in WAL mode with
 * `synchronous = NORMAL` as ours, committed with every other turn of the same tick in one
 * transaction; the answer ends only after its commit, as ours' does. Each turn also logs one JSON
 * line to a file, the tick's lines in one write. No conversation row, no account choice, no
 * metrics, no validation: a lower bound.
 */
import { createWriteStream } from 'node:fs';
import { createRequire } from 'node:module';

/** better-sqlite3 only when asked: the bare floor's memory must not carry it. */
function openDatabase(file) {
  const Database = createRequire(import.meta.url)('better-sqlite3');
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`CREATE TABLE IF NOT EXISTS turns (
    id INTEGER PRIMARY KEY,
    model TEXT,
    prompt TEXT NOT NULL,
    reply TEXT NOT NULL,
    created_at INTEGER NOT NULL
  )`);
  return db;
}

export function openTurnStore(file) {
  const db = openDatabase(file);
  const log = createWriteStream(`${file}.log`, { flags: 'a' });
  const insert = db.prepare('INSERT INTO turns (model, prompt, reply, created_at) VALUES (?, ?, ?, ?)');
  const insertAll = db.transaction((turns) => {
    for (const turn of turns) insert.run(turn.model, turn.prompt, turn.reply, turn.createdAt);
  });
  let pending = [];
  let lines = '';
  function flush() {
    const batch = pending;
    pending = [];
    log.write(lines);
    lines = '';
    try {
      insertAll(batch);
      for (const turn of batch) turn.done();
    } catch (error) {
      for (const turn of batch) turn.failed(error);
    }
  }
  return {
    /** Resolves once the turn is committed. */
    record(turn) {
      return new Promise((done, failed) => {
        if (pending.length === 0) setImmediate(flush);
        pending.push({ ...turn, done, failed });
        lines += `${JSON.stringify({ level: 30, time: Date.now(), model: turn.model, prompt_chars: turn.prompt.length, reply_chars: turn.reply.length, msg: 'turn' })}\n`;
      });
    },
    close() {
      db.close();
      log.end();
    },
  };
}

/** The text of the caller's last message: what a stored turn keeps as its prompt. */
export function promptOf(body) {
  const messages = Array.isArray(body?.messages) ? body.messages : [];
  const content = messages.at(-1)?.content;
  return typeof content === 'string' ? content : '';
}

/** A whole completion's reply text. */
export function completionText(bytes) {
  const content = JSON.parse(bytes.toString('utf8'))?.choices?.[0]?.message?.content;
  return typeof content === 'string' ? content : '';
}

/**
 * The JSON string value after `"content":` in one chunk, decoded; undefined when there is none.
 * Only the string is parsed, not the chunk: what a gateway that stores streams at least does.
 */
function contentOf(line) {
  const key = line.indexOf('"content":"');
  if (key < 0) return undefined;
  const start = key + 10;
  let end = start + 1;
  while (end < line.length && line.charCodeAt(end) !== 34) end += line.charCodeAt(end) === 92 ? 2 : 1;
  return JSON.parse(line.slice(start, end + 1));
}

const DONE = Buffer.from('data: [DONE]');
const NEWLINE = 0x0a;

/**
 * Reads a stream as it passes: collects the reply's text from its `data:` lines and holds the
 * `[DONE]` back, so that it leaves with the end, after the turn's commit, as ours' does. Both
 * work on whole lines: a chunk's unfinished last line waits for the next chunk, so a `[DONE]`
 * split across two reads is found before any of it goes out (and a line ends on a newline byte,
 * never inside a UTF-8 character, so whole lines decode alone). The chunk that brings `[DONE]`
 * is held whole: the last frames then leave with the end in one write, as ours' do.
 */
export function streamReply() {
  let carry;
  let held;
  let text = '';
  const textOf = (bytes) => {
    let found = '';
    for (const line of bytes.toString('utf8').split('\n')) {
      if (!line.startsWith('data: ')) continue;
      const content = contentOf(line);
      if (content !== undefined) found += content;
    }
    return found;
  };
  return {
    /** What may go to the client now, if anything. */
    pass(chunk) {
      if (held) {
        held.push(chunk);
        return undefined;
      }
      const joined = carry ? Buffer.concat([carry, chunk]) : chunk;
      carry = undefined;
      if (joined.includes(DONE)) {
        text += textOf(joined);
        held = [joined];
        return undefined;
      }
      const cut = joined.lastIndexOf(NEWLINE) + 1;
      if (cut < joined.length) carry = joined.subarray(cut);
      if (cut === 0) return undefined;
      const lines = joined.subarray(0, cut);
      text += textOf(lines);
      return lines;
    },
    /** The reply's text so far, an unfinished last line's included. */
    text() {
      return carry ? text + textOf(carry) : text;
    },
    /** What is left to send with the end. */
    rest() {
      const parts = held ?? (carry ? [carry] : []);
      held = undefined;
      carry = undefined;
      return parts.length > 0 ? Buffer.concat(parts) : undefined;
    },
  };
}
