import { isSpanContextValid, trace } from '@opentelemetry/api';
import pino, { type Logger } from 'pino';

/** Puts the trace and span ids on a line logged inside a traced operation, so logs and traces join up. */
function traceIds(): Record<string, string> {
  const ctx = trace.getActiveSpan()?.spanContext();
  return ctx && isSpanContextValid(ctx) ? { traceId: ctx.traceId, spanId: ctx.spanId } : {};
}

/** JSON logs on stdout with the service name on every line (and trace ids when tracing is on). */
export function createLogger(service: string, level: string): Logger {
  return pino({ name: 'hiregraph', level, base: { service }, mixin: traceIds });
}
export type { Logger };
