import { ConfigError, loadConfig, type Config } from './config';
import { CleanupStack } from './cleanup-stack';
import { createLogger } from './logger';
import type { Tracing } from './tracing/start';

/**
 * The shape of every entry point: read the configuration once (naming every bad variable),
 * start tracing when OTEL_EXPORTER_OTLP_ENDPOINT is set, start, and on SIGINT/SIGTERM close
 * cleanly within a bound.
 *
 * Tracing patches http, mongodb and graphql as they load, so `start` must import the process's
 * servers itself (`await import(...)`) rather than the entry file importing them up front.
 */
export function runMain(service: string, start: (config: Config) => Promise<{ close(): Promise<void> }>): void {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    process.stderr.write(`${service}: ${err instanceof ConfigError ? err.message : String(err)}\n`);
    process.exit(2);
  }
  const log = createLogger(service, config.LOG_LEVEL);
  const shutdownMs = config.SHUTDOWN_TIMEOUT_MS;
  let tracing: Tracing | undefined;
  const begin = async () => {
    if (config.OTEL_EXPORTER_OTLP_ENDPOINT) {
      const { startTracing } = await import('./tracing/start.js');
      tracing = startTracing({
        endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
        serviceName: config.OTEL_SERVICE_NAME ?? `hiregraph-${service}`,
        sampleRatio: config.OTEL_TRACES_SAMPLER_ARG,
      });
      log.info({ endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT }, 'exporting traces');
    }
    return start(config);
  };
  begin().then(
    (running) => {
      let stopping = false;
      const stop = (signal: string): void => {
        if (stopping) return;
        stopping = true;
        log.info({ signal }, 'shutting down');
        const timer = setTimeout(() => {
          log.error({ shutdownMs }, 'shutdown took too long; exiting');
          process.exit(1);
        }, shutdownMs);
        timer.unref();
        // Spans are flushed last (tracing started first), so the shutdown's own spans are exported too.
        const steps = new CleanupStack();
        steps.defer(() => tracing?.shutdown());
        steps.defer(() => running.close());
        steps.close().then(
          () => process.exit(0),
          (err: unknown) => {
            log.error({ err }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    },
    async (err: unknown) => {
      // A variable only this process needs (e.g. INTERNAL_JWT_SECRET) is reported like the rest.
      if (err instanceof ConfigError) {
        process.stderr.write(`${service}: ${err.message}\n`);
        await tracing?.shutdown().catch(() => undefined);
        process.exit(2);
      }
      log.fatal({ err }, `${service} failed to start`);
      await tracing?.shutdown().catch(() => undefined);
      process.exit(1);
    },
  );
}

/** Subgraphs and workers run as their own processes need a MongoDB to share: MONGODB_URI. */
export function requireMongoUri(config: Config, service: string): string {
  if (config.MONGODB_URI) return config.MONGODB_URI;
  process.stderr.write(
    `${service}: MONGODB_URI is not set. Run everything with \`npm start\` (which provides an embedded MongoDB), or set MONGODB_URI.\n`,
  );
  process.exit(2);
}
