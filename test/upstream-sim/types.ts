/** Public types of the upstream simulator (see /work/notes/sim-api.md). */

export interface SimOptions {
  host?: string;
  port?: number;
  /** ChatGPT SSE encoding. */
  encoding?: 'delta' | 'cumulative';
  /** Which sentinel endpoint(s) are served and required. */
  sentinel?: 'single' | 'two-step';
  /** Proof-of-work variant the send must carry. */
  powVariant?: 'fnv' | 'sha3';
  /** Hex prefix bound of the proof of work. */
  powDifficulty?: string;
  /** /f/conversation needs an x-conduit-token from /f/conversation/prepare. */
  requireConduit?: boolean;
  firstByteDelayMs?: number;
  chunkDelayMs?: number;
  /** Number of text chunks a reply is split into. */
  replyChunks?: number;
}

export type ResolvedSimOptions = Required<SimOptions>;

export interface SimAccount {
  accessToken: string;
  plus?: boolean;
  email?: string;
  password?: string;
  sessionToken?: string;
  refreshToken?: string;
}

export type SimFault =
  | { type: 'rate_limit'; clearsIn?: number; retryAfter?: number }
  | { type: 'token_expired' }
  | { type: 'cloudflare' }
  | { type: 'unusual_activity' }
  | { type: 'busy' }
  | { type: 'server_error'; status?: number }
  | { type: 'hang' }
  | { type: 'reset_mid_stream'; afterChunks: number }
  | { type: 'stall_mid_stream'; afterChunks: number }
  | { type: 'malformed_chunk'; afterChunks: number };

export type MidStreamFault = Extract<SimFault, { afterChunks: number }>;
export type PreResponseFault = Exclude<SimFault, MidStreamFault>;

export interface SimRequestLog {
  method: string;
  path: string;
  token?: string;
  remoteAddress: string;
  /** HTTP status sent; 0 while no header has been sent (e.g. a hung request). */
  status: number;
}

export interface UpstreamSim {
  url: string;
  chatgptBaseUrl: string;
  openaiBaseUrl: string;
  authBaseUrl: string;
  oauthTokenUrl: string;
  addAccount(account: SimAccount): void;
  addApiKey(key: string, models?: string[]): void;
  setFault(tokenOrApiKey: string, fault: SimFault | null, times?: number): void;
  expireToken(accessToken: string): void;
  setOptions(options: Partial<SimOptions>): void;
  log: SimRequestLog[];
  aborted: number;
  close(): Promise<void>;
}
