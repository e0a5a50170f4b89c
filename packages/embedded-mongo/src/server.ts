import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import pino, { type Logger } from 'pino';
import { MAX_MESSAGE_BYTES } from './commands/admin';
import { Cursors } from './commands/context';
import { runCommand } from './commands/index';
import { toServerError } from './errors';
import { Store } from './storage/store';
import { encodeReply, parseMessage, ProtocolError, readHeader } from './wire/protocol';

export interface EmbeddedMongoOptions {
  /** TCP port; 0 picks a free one. Default: 0. */
  port?: number;
  /** Interface to listen on; only loopback is sensible for a server without authentication. Default: 127.0.0.1. */
  host?: string;
  /** Directory for the journal; without it data lives in memory only. Default: none. */
  dataDir?: string;
  /** fdatasync before acknowledging each write (durable across power loss, not only process death). Default: true. */
  fsync?: boolean;
  /** Where connection problems are logged. Default: pino at level 'warn' on stderr. */
  logger?: Logger;
}

/**
 * A MongoDB-wire-compatible server for development and tests: the official driver connects to it as
 * to a standalone mongod. It stops on close(), which is safe to call more than once.
 */
export class EmbeddedMongo {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly store: Store;
  private readonly cursors = new Cursors();
  private readonly logger: Logger;
  private readonly startedAt = new Date();
  private nextConnectionId = 1;
  private closing: Promise<void> | null = null;

  private constructor(private readonly opts: EmbeddedMongoOptions) {
    this.logger = opts.logger ?? pino({ name: 'embedded-mongo', level: 'warn' }, pino.destination(2));
    this.store = new Store({ dataDir: opts.dataDir, fsync: opts.fsync });
    this.server = createServer((socket) => this.accept(socket));
  }

  /** Opens the data directory (replaying and compacting its journal) and starts listening. */
  static async start(opts: EmbeddedMongoOptions = {}): Promise<EmbeddedMongo> {
    const m = new EmbeddedMongo(opts);
    await new Promise<void>((resolve, reject) => {
      m.server.once('error', reject);
      m.server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
        m.server.off('error', reject);
        resolve();
      });
    });
    return m;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** A URI the official driver accepts as is. */
  get uri(): string {
    return `mongodb://${this.opts.host ?? '127.0.0.1'}:${this.port}/?directConnection=true`;
  }

  private accept(socket: Socket): void {
    const connectionId = this.nextConnectionId++;
    this.sockets.add(socket);
    socket.setNoDelay(true);
    let buffered = Buffer.alloc(0);
    let busy = Promise.resolve();
    const drop = (reason: string): void => {
      this.logger.warn({ connectionId, remote: socket.remoteAddress, reason }, 'closing connection');
      buffered = Buffer.alloc(0);
      socket.destroy();
    };
    socket.on('data', (chunk) => {
      buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
      while (buffered.length >= 4) {
        const length = buffered.readInt32LE(0);
        if (length < 16 || length > MAX_MESSAGE_BYTES) {
          drop(`message length ${length} is outside 16..${MAX_MESSAGE_BYTES} bytes`);
          return;
        }
        if (buffered.length < length) return;
        const msg = buffered.subarray(0, length);
        buffered = buffered.subarray(length);
        busy = busy
          .then(() => this.handle(msg, socket, connectionId, drop))
          .catch((err: unknown) => {
            drop(`internal error: ${err instanceof Error ? err.message : String(err)}`);
          });
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.sockets.delete(socket));
  }

  private async handle(
    msg: Buffer,
    socket: Socket,
    connectionId: number,
    drop: (reason: string) => void,
  ): Promise<void> {
    if (socket.destroyed) return;
    let req;
    try {
      req = parseMessage(msg);
    } catch (err) {
      const header = readHeader(msg);
      drop(
        err instanceof ProtocolError
          ? `${err.message} (opcode ${header.opCode})`
          : `unreadable message: ${(err as Error).message}`,
      );
      return;
    }
    const reply = await runCommand(req.command, {
      store: this.store,
      cursors: this.cursors,
      connectionId,
      startedAt: this.startedAt,
    });
    if (req.moreToCome || socket.destroyed) return;
    let out: Buffer;
    try {
      out = encodeReply(req, reply);
    } catch (err) {
      // A reply that cannot be encoded (e.g. over 16 MiB) still gets an answer, never a hang.
      out = encodeReply(req, toServerError(err).toResponse());
    }
    socket.write(out);
  }

  /** Stops listening, closes every connection and the journal. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const errors: unknown[] = [];
      const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
      for (const s of this.sockets) s.destroy();
      await closed;
      this.cursors.clear();
      try {
        this.store.close();
      } catch (err) {
        errors.push(err);
      }
      if (errors.length) throw new AggregateError(errors, 'embedded MongoDB did not close cleanly');
    })();
    return this.closing;
  }
}
