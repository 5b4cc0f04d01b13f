import pino, { type Logger } from 'pino';

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
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["x-api-key"]',
        'res.headers["set-cookie"]',
        '*.password',
        '*.access_token',
        '*.session_token',
        '*.refresh_token',
        '*.api_key',
      ],
      censor: '[REDACTED]',
    },
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
  return pino(options);
}
