/** Paging parameters shared by the conversation routes: `limit` (1..200, default 50) and `offset`. */
import { z } from 'zod';

export const MAX_PAGE = 200;
export const DEFAULT_PAGE = 50;

const firstOf = (value: unknown): unknown => (Array.isArray(value) ? value[0] : value);

const whole = (min: number, max: number) => z.preprocess(firstOf, z.coerce.number().int().min(min).max(max));

export const pageFields = {
  limit: whole(1, MAX_PAGE).default(DEFAULT_PAGE),
  offset: whole(0, Number.MAX_SAFE_INTEGER).default(0),
};
