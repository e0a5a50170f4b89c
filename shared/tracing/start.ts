import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { GraphQLInstrumentation } from '@opentelemetry/instrumentation-graphql';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { MongoDBInstrumentation } from '@opentelemetry/instrumentation-mongodb';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import {
  detectResources,
  envDetector,
  hostDetector,
  processDetector,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import { SpanKind, type Attributes, type Context, type Link } from '@opentelemetry/api';
import {
  BatchSpanProcessor,
  NodeTracerProvider,
  ParentBasedSampler,
  SamplingDecision,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SamplingResult,
} from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { closeOnce } from '../graphql/close';

export interface TracingOptions {
  /** OTLP/HTTP base URL (e.g. http://otel-collector:4318); spans are POSTed as JSON to `<endpoint>/v1/traces`. */
  endpoint: string;
  /** `service.name` on every span, e.g. hiregraph-gateway. */
  serviceName: string;
  /** Share of new traces kept, 0..1; a trace a caller already sampled is always continued. Default 1. */
  sampleRatio?: number;
  /** How long spans wait in the batch before export, in ms. Default 2000. */
  exportDelayMs?: number;
}

export interface Tracing {
  /** Flushes spans still batched and stops tracing. Safe to call twice. */
  shutdown(): Promise<void>;
}

/** Paths that are scraped or probed every few seconds: tracing them only buries real requests. */
const OPS_PATH = /^\/(healthz|readyz|metrics)(\?|$)/;

/**
 * Lets a trace start only where work arrives: an HTTP request (SERVER) or a job (CONSUMER).
 * Otherwise startup schema parsing, BullMQ's stalled-job checks, the reconciler's polling and every
 * subscription event would each open a trace of their own, burying the requests.
 */
class WorkArrivesSampler implements Sampler {
  constructor(private readonly next: Sampler) {}

  shouldSample(
    ctx: Context,
    traceId: string,
    name: string,
    kind: SpanKind,
    attributes: Attributes,
    links: Link[],
  ): SamplingResult {
    if (kind !== SpanKind.SERVER && kind !== SpanKind.CONSUMER) return { decision: SamplingDecision.NOT_RECORD };
    return this.next.shouldSample(ctx, traceId, name, kind, attributes, links);
  }

  toString(): string {
    return `WorkArrives{${this.next.toString()}}`;
  }
}

/**
 * Starts OpenTelemetry tracing for this process. Must run before the modules it instruments
 * (http, undici, mongodb, graphql) are loaded, which is why entry points import their servers
 * only after runMain has called this. Registers W3C trace-context propagation, so a trace runs
 * from the gateway through every subgraph it calls; BullMQ jobs carry it through `queueTelemetry`.
 */
export function startTracing(opts: TracingOptions): Tracing {
  const resource = detectResources({ detectors: [envDetector, hostDetector, processDetector] }).merge(
    resourceFromAttributes({ [ATTR_SERVICE_NAME]: opts.serviceName }),
  );
  const provider = new NodeTracerProvider({
    resource,
    sampler: new ParentBasedSampler({
      root: new WorkArrivesSampler(new TraceIdRatioBasedSampler(opts.sampleRatio ?? 1)),
    }),
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url: `${opts.endpoint.replace(/\/+$/, '')}/v1/traces` }), {
        scheduledDelayMillis: opts.exportDelayMs ?? 2000,
      }),
    ],
  });
  provider.register();
  const unregister = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => OPS_PATH.test(req.url ?? '') }),
      new UndiciInstrumentation(),
      new MongoDBInstrumentation(),
      // Parse, validate and execute spans; a span per resolved field would dwarf everything else.
      new GraphQLInstrumentation({ ignoreResolveSpans: true }),
    ],
  });
  return {
    shutdown: closeOnce(async () => {
      unregister();
      await provider.shutdown();
    }),
  };
}
