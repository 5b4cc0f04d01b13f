import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * An AbortSignal that fires when the client goes away before the response is complete, so the
 * upstream call is aborted at once and the account released; `stop` aborts it for another reason
 * (the turn gate's drain), so a turn needs no second controller.
 */
export function clientGone(
  request: FastifyRequest,
  reply: FastifyReply,
): { signal: AbortSignal; stop(reason: unknown): void } {
  const controller = new AbortController();
  const onClose = () => {
    if (!reply.raw.writableFinished) controller.abort(new Error('client disconnected'));
  };
  request.raw.once('close', () => {
    if (request.raw.destroyed && !reply.raw.writableFinished) onClose();
  });
  reply.raw.once('close', onClose);
  return { signal: controller.signal, stop: (reason) => controller.abort(reason) };
}

export const clientGoneSignal = (request: FastifyRequest, reply: FastifyReply): AbortSignal =>
  clientGone(request, reply).signal;
