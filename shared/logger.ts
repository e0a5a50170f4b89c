import pino, { type Logger } from 'pino';

/** JSON logs on stdout with the service name on every line. */
export function createLogger(service: string, level: string): Logger {
  return pino({ name: 'hiregraph', level, base: { service } });
}
export type { Logger };
