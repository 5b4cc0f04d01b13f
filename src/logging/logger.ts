import pino, { type Logger } from 'pino';
import { censorSecretFields } from './secret-fields.js';

/** Query parameters that carry secrets in the original's URLs (`?admin=`, `?user=` …). */
const SECRET_PARAMS =
  /([?&](?:admin|user|client|access_token|session_token|refresh_token|password|api_key|key)=)[^&#]*/gi;

export function redactUrl(url: string): string {
  return url.replace(SECRET_PARAMS, '$1[REDACTED]');
}

export interface LoggerOptions {
  level?: string;
  /** Where to write; default stdout. Tests pass a stream to capture lines. */
  destination?: pino.DestinationStream;
  pretty?: boolean;
}

export function createLogger({ level = 'info', destination, pretty = false }: LoggerOptions = {}): Logger {
  const options: pino.LoggerOptions = {
    level,
    // Not pino's `redact`: see secret-fields.ts for why.
    formatters: { log: censorSecretFields },
    serializers: {
      req: (req: { method?: string; url?: string; id?: unknown; ip?: string }) => ({
        id: req.id,
        method: req.method,
        url: redactUrl(req.url ?? ''),
        ip: req.ip,
      }),
    },
  };
  if (destination) return pino(options, destination);
  if (pretty) return pino({ ...options, transport: { target: 'pino-pretty', options: { colorize: true } } });
  // Buffered: one write per 4 KB of lines instead of one per line (a large share of the
  // per-request CPU otherwise). Flushed on exit; a kill -9 may lose the last few lines.
  const stream = pino.destination({ dest: 1, sync: false, minLength: 4096 });
  // At low traffic the buffer may not fill: lines reach the file within a second anyway.
  setInterval(() => {
    try {
      stream.flush();
    } catch {
      // Not open yet or closing: the next tick or the exit handler writes it.
    }
  }, 1000).unref();
  process.once('exit', () => {
    try {
      stream.flushSync();
    } catch {
      // Not open yet, or stdout already gone: nothing left to save.
    }
  });
  return pino(options, stream);
}
