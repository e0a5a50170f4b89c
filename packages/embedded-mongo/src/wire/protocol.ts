import { deserialize, serialize } from 'bson';
import type { Doc } from '../query/values';

export const OP_REPLY = 1;
export const OP_QUERY = 2004;
export const OP_COMPRESSED = 2012;
export const OP_MSG = 2013;

const CHECKSUM_PRESENT = 1 << 0;
export const MORE_TO_COME = 1 << 1;
const KNOWN_FLAGS = CHECKSUM_PRESENT | MORE_TO_COME | (1 << 16);

/** Decoding keeps every BSON type as it was sent, so documents round-trip exactly. */
export const DECODE_OPTIONS = { promoteValues: false, bsonRegExp: true, validation: { utf8: false } } as const;

export class ProtocolError extends Error {}

export interface Header {
  length: number;
  requestId: number;
  responseTo: number;
  opCode: number;
}

/** A decoded client request: a command document plus how to answer it. */
export interface Request {
  header: Header;
  command: Doc;
  legacy: boolean;
  moreToCome: boolean;
}

export function readHeader(buf: Buffer): Header {
  return {
    length: buf.readInt32LE(0),
    requestId: buf.readInt32LE(4),
    responseTo: buf.readInt32LE(8),
    opCode: buf.readInt32LE(12),
  };
}

function readDoc(buf: Buffer, off: number, end: number): { doc: Doc; next: number } {
  if (off + 5 > end) throw new ProtocolError(`truncated BSON document at offset ${off}`);
  const len = buf.readInt32LE(off);
  if (len < 5 || off + len > end)
    throw new ProtocolError(`BSON document length ${len} at offset ${off} overruns the message`);
  try {
    return { doc: deserialize(buf.subarray(off, off + len), DECODE_OPTIONS) as Doc, next: off + len };
  } catch (err) {
    throw new ProtocolError(`invalid BSON document: ${(err as Error).message}`);
  }
}

function readCString(buf: Buffer, off: number, end: number): { value: string; next: number } {
  const zero = buf.indexOf(0, off);
  if (zero < 0 || zero >= end) throw new ProtocolError('unterminated C string');
  return { value: buf.toString('utf8', off, zero), next: zero + 1 };
}

/** Parses one whole message (header included) into a command. */
export function parseMessage(msg: Buffer): Request {
  const header = readHeader(msg);
  if (header.opCode === OP_MSG) {
    const flags = msg.readUInt32LE(16);
    if (flags & ~KNOWN_FLAGS & 0xffff) throw new ProtocolError(`unknown required OP_MSG flag bits: ${flags}`);
    const end = flags & CHECKSUM_PRESENT ? msg.length - 4 : msg.length;
    let off = 20;
    let body: Doc | null = null;
    const sequences: Array<[string, Doc[]]> = [];
    while (off < end) {
      const kind = msg.readUInt8(off++);
      if (kind === 0) {
        if (body) throw new ProtocolError('OP_MSG has more than one body section');
        const r = readDoc(msg, off, end);
        body = r.doc;
        off = r.next;
      } else if (kind === 1) {
        const size = msg.readInt32LE(off);
        const secEnd = off + size;
        if (size < 5 || secEnd > end) throw new ProtocolError(`document sequence size ${size} overruns the message`);
        const id = readCString(msg, off + 4, secEnd);
        const docs: Doc[] = [];
        let p = id.next;
        while (p < secEnd) {
          const r = readDoc(msg, p, secEnd);
          docs.push(r.doc);
          p = r.next;
        }
        sequences.push([id.value, docs]);
        off = secEnd;
      } else throw new ProtocolError(`unknown OP_MSG section kind ${kind}`);
    }
    if (!body) throw new ProtocolError('OP_MSG without a body section');
    for (const [id, docs] of sequences) body[id] = docs;
    return { header, command: body, legacy: false, moreToCome: (flags & MORE_TO_COME) !== 0 };
  }
  if (header.opCode === OP_QUERY) {
    const ns = readCString(msg, 20, msg.length);
    const { doc } = readDoc(msg, ns.next + 8, msg.length);
    const query = (doc.$query as Doc | undefined) ?? doc;
    const db = ns.value.split('.')[0] ?? 'admin';
    if (!ns.value.endsWith('.$cmd'))
      throw new ProtocolError(`legacy OP_QUERY is only answered for commands, got namespace ${ns.value}`);
    return { header, command: { ...query, $db: db }, legacy: true, moreToCome: false };
  }
  throw new ProtocolError(`unsupported opcode ${header.opCode}`);
}

let nextRequestId = 1;

function header(length: number, responseTo: number, opCode: number): Buffer {
  const h = Buffer.alloc(16);
  h.writeInt32LE(length, 0);
  h.writeInt32LE(nextRequestId++ & 0x7fffffff, 4);
  h.writeInt32LE(responseTo, 8);
  h.writeInt32LE(opCode, 12);
  return h;
}

/** Encodes a reply in the form the request came in: OP_MSG, or OP_REPLY for the legacy handshake. */
export function encodeReply(req: Request, reply: Doc): Buffer {
  const body = serialize(reply, { ignoreUndefined: true });
  if (req.legacy) {
    const prefix = Buffer.alloc(20);
    prefix.writeInt32LE(0, 0);
    prefix.writeBigInt64LE(0n, 4);
    prefix.writeInt32LE(0, 12);
    prefix.writeInt32LE(1, 16);
    return Buffer.concat([header(16 + 20 + body.length, req.header.requestId, OP_REPLY), prefix, body]);
  }
  const prefix = Buffer.alloc(5);
  return Buffer.concat([header(16 + 5 + body.length, req.header.requestId, OP_MSG), prefix, body]);
}
