import { ConfigError, loadConfig, type Config } from './config';
import { createLogger } from './logger';

/**
 * The shape of every entry point: read the configuration once (naming every bad variable),
 * start, and on SIGINT/SIGTERM close cleanly within a bound.
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
  start(config).then((running) => {
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
      running.close().then(() => process.exit(0), (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      });
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  }, (err: unknown) => {
    log.fatal({ err }, `${service} failed to start`);
    process.exit(1);
  });
}

/** Subgraphs and workers run as their own processes need a MongoDB to share: MONGODB_URI. */
export function requireMongoUri(config: Config, service: string): string {
  if (config.MONGODB_URI) return config.MONGODB_URI;
  process.stderr.write(`${service}: MONGODB_URI is not set. Run everything with \`npm start\` (which provides an embedded MongoDB), or set MONGODB_URI.\n`);
  process.exit(2);
}
