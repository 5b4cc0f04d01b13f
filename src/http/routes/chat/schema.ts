import { z } from 'zod';
import { flag, text } from '../../input.js';
import type { Tier } from '../../../pool/types.js';

/** The original's `plus`: true | false | any (case-insensitive), also as a JSON boolean. */
export const plusParam = z.union([z.boolean(), z.string()]).transform((value, ctx): Tier => {
  const word = String(value).trim().toLowerCase();
  if (word === 'true' || word === '1' || word === 'yes') return 'plus';
  if (word === 'false' || word === '0' || word === 'no' || word === '') return 'free';
  if (word === 'any') return 'any';
  ctx.addIssue({ code: 'custom', message: 'expected true, false or any' });
  return z.NEVER;
});

const id = text.pipe(z.string().trim().max(128));

/**
 * Every parameter of the original's /api/chat, plus ours. Unknown fields are ignored. Compiled
 * by zod, as the `/v1` bodies are (see routes/v1/schemas.ts).
 */
export const chatParams = z.compile(
  z.object({
    prompt: text.default(''),
    plus: plusParam.default('free'),
    reply_only: flag.default(false),
    pretty: flag.default(false),
    access_token: text.pipe(z.string().trim().max(8192)).optional(),
    user_plus: flag.default(false),
    conversation_id: id.optional(),
    model: text.pipe(z.string().trim().min(1).max(200)).optional(),
    stream: flag.default(false),
  }),
);

export type ChatParams = z.infer<typeof chatParams>;
