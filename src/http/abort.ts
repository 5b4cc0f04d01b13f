import type { FastifyReply, FastifyRequest } from 'fastify';
import { TurnSignal } from '../turn-signal.js';

/**
 * A signal (an AbortSignal to its listeners, see turn-signal.ts) that fires when the client goes
 * away before the response is complete, so the upstream call is aborted at once and the account
 * released; `stop` aborts it for another reason (the turn gate's drain), so a turn needs no
 * second signal.
 */
export function clientGone(
  request: FastifyRequest,
  reply: FastifyReply,
): { signal: AbortSignal; stop(reason: unknown): void } {
  const signal = new TurnSignal();
  const onClose = () => {
    if (!reply.raw.writableFinished) signal.abort(new Error('client disconnected'));
  };
  request.raw.once('close', () => {
    if (request.raw.destroyed && !reply.raw.writableFinished) onClose();
  });
  reply.raw.once('close', onClose);
  return { signal, stop: (reason) => signal.abort(reason) };
}

export const clientGoneSignal = (request: FastifyRequest, reply: FastifyReply): AbortSignal =>
  clientGone(request, reply).signal;
