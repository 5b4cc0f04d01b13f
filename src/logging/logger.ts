import pino, { type Logger } from 'pino';
import { createLineBuffer } from './line-buffer.js';
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
  // Buffered (see line-buffer.ts). Flushed every second and on exit; a kill -9 may lose the
  // last second of lines.
  const stream = createLineBuffer(pino.destination({ dest: 1, sync: false }));
  setInterval(() => stream.flush(), 1000).unref();
  process.once('exit', () => {
    try {
      stream.flushSync();
    } catch {
      // stdout already gone: nothing left to save.
    }
  });
  return pino(options, stream);
}
