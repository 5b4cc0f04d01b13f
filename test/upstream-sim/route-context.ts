/** What every route handler receives. */
import type { IncomingMessage } from 'node:http';
import type { SimResponse } from './http-util.js';
import type { SimState } from './state.js';

export interface RouteContext {
  req: IncomingMessage;
  res: SimResponse;
  state: SimState;
  /** Path without the query string. */
  path: string;
  /** Query string without the '?', '' when absent. */
  rawQuery: string;
  /** Bearer token, when the request has one. */
  token: string | undefined;
}
