import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * An AbortSignal that fires when the client goes away before the response is complete, so the
 * upstream call is aborted at once and the account released.
 */
export function clientGoneSignal(request: FastifyRequest, reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  const onClose = () => {
    if (!reply.raw.writableFinished) controller.abort(new Error('client disconnected'));
  };
  request.raw.once('close', () => {
    if (request.raw.destroyed && !reply.raw.writableFinished) onClose();
  });
  reply.raw.once('close', onClose);
  return controller.signal;
}
