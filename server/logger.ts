import { pino } from 'pino';

type Level = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/**
 * pino behind the platform's own interface: one JSON object per line on stderr (time, level,
 * message, fields), so logs can be shipped and queried as they are, and callers never import pino.
 */
export function createLogger({ level }: { level: Level | 'silent' }): Logger {
  const base = pino(
    {
      level,
      base: undefined,
      messageKey: 'message',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Errors passed as `error` (the convention here) keep their name, message and stack.
      serializers: { error: pino.stdSerializers.err, err: pino.stdSerializers.err },
    },
    pino.destination({ dest: 2, sync: true }),
  );
  return {
    debug: (m, f) => base.debug(f ?? {}, m),
    info: (m, f) => base.info(f ?? {}, m),
    warn: (m, f) => base.warn(f ?? {}, m),
    error: (m, f) => base.error(f ?? {}, m),
  };
}
