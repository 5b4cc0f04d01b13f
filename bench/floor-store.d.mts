/** Types for floor-store.mjs, a plain script that the floor's tests import. */
export interface StoredTurn {
  model: string | undefined;
  prompt: string;
  reply: string;
  createdAt: number;
}

export function openTurnStore(file: string): {
  /** Resolves once the turn is committed. */
  record(turn: StoredTurn): Promise<void>;
  close(): void;
};

export function promptOf(body: unknown): string;

export function completionText(bytes: Buffer): string;

export function streamReply(): {
  /** What may go to the client now, if anything. */
  pass(chunk: Buffer): Buffer | undefined;
  /** The reply's text so far, an unfinished last line's included. */
  text(): string;
  /** What is left to send with the end. */
  rest(): Buffer | undefined;
};
