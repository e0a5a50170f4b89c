import { BullMQOtel } from 'bullmq-otel';
import type { Telemetry } from 'bullmq';

/**
 * BullMQ's telemetry hook when tracing is on: a job carries the trace context of whoever added
 * it (the startAssessment request, or the validation step that adds the agents' flow), so a
 * worker's step spans join the same trace. Undefined when tracing is off, which costs nothing.
 */
export function queueTelemetry(tracingOn: boolean): Telemetry | undefined {
  return tracingOn ? new BullMQOtel('hiregraph') : undefined;
}
