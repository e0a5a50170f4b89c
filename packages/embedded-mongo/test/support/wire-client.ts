import { connect, type Socket } from 'node:net';
import { deserialize, serialize, type Document } from 'bson';

/** A bare socket speaking the wire protocol, for tests of framing the driver never sends. */
export class RawWire {
  private buffered = Buffer.alloc(0);
  private waiting: Array<(msg: Buffer) => void> = [];
  private closedFlag = false;
  readonly closed: Promise<void>;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      while (this.buffered.length >= 4 && this.buffered.length >= this.buffered.readInt32LE(0)) {
        const len = this.buffered.readInt32LE(0);
        const msg = this.buffered.subarray(0, len);
        this.buffered = this.buffered.subarray(len);
        this.waiting.shift()?.(msg);
      }
    });
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.closedFlag = true;
        resolve();
      }),
    );
    socket.on('error', () => undefined);
  }

  static open(host: string, port: number): Promise<RawWire> {
    return new Promise((resolve, reject) => {
      const s = connect(port, host, () => resolve(new RawWire(s)));
      s.once('error', reject);
    });
  }

  get isClosed(): boolean {
    return this.closedFlag;
  }

  send(buf: Buffer): void {
    this.socket.write(buf);
  }

  next(): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.waiting.push(resolve);
      void this.closed.then(() => reject(new Error('connection closed before a reply')));
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

export function header(length: number, requestId: number, opCode: number): Buffer {
  const h = Buffer.alloc(16);
  h.writeInt32LE(length, 0);
  h.writeInt32LE(requestId, 4);
  h.writeInt32LE(0, 8);
  h.writeInt32LE(opCode, 12);
  return h;
}

/** OP_MSG with a body and optional kind-1 document sequences. */
export function opMsg(requestId: number, body: Document, sequences: Record<string, Document[]> = {}): Buffer {
  const parts: Buffer[] = [Buffer.alloc(4), Buffer.from([0]), Buffer.from(serialize(body))];
  for (const [id, docs] of Object.entries(sequences)) {
    const payload = Buffer.concat([Buffer.from(`${id}\0`), ...docs.map((d) => Buffer.from(serialize(d)))]);
    const size = Buffer.alloc(4);
    size.writeInt32LE(payload.length + 4, 0);
    parts.push(Buffer.from([1]), size, payload);
  }
  const rest = Buffer.concat(parts);
  return Buffer.concat([header(16 + rest.length, requestId, 2013), rest]);
}

/** Legacy OP_QUERY against `<db>.$cmd`, as drivers open connections with. */
export function opQuery(requestId: number, db: string, query: Document): Buffer {
  const ns = Buffer.from(`${db}.$cmd\0`);
  const nums = Buffer.alloc(8);
  nums.writeInt32LE(0, 0);
  nums.writeInt32LE(-1, 4);
  const rest = Buffer.concat([Buffer.alloc(4), ns, nums, Buffer.from(serialize(query))]);
  return Buffer.concat([header(16 + rest.length, requestId, 2004), rest]);
}

export function replyDoc(msg: Buffer): { opCode: number; responseTo: number; doc: Document } {
  const opCode = msg.readInt32LE(12);
  const responseTo = msg.readInt32LE(8);
  const offset = opCode === 1 ? 16 + 20 : 16 + 5;
  return { opCode, responseTo, doc: deserialize(msg.subarray(offset)) };
}
