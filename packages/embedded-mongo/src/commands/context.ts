import { calculateObjectSize, Long } from 'bson';
import { CODES, ServerError } from '../errors';
import type { Doc } from '../query/values';
import type { Store } from '../storage/store';

/** Largest reply batch, leaving room under MongoDB's 16 MiB document limit for the envelope. */
const MAX_BATCH_BYTES = 16 * 1024 * 1024 - 16 * 1024;

interface Cursor {
  ns: string;
  docs: Doc[];
  pos: number;
  batchSize: number;
}

/** Open cursors of the whole server, for getMore and killCursors on any connection. */
export class Cursors {
  private readonly open = new Map<string, Cursor>();
  private nextId = 1n;

  /** Builds the `cursor` field of a reply; keeps a server cursor only if documents remain. */
  first(ns: string, docs: Doc[], batchSize: number | undefined, single = false): Doc {
    const size = batchSize ?? 101;
    const { batch, end } = take(docs, 0, size);
    let id = Long.ZERO;
    if (end < docs.length && !single) {
      id = Long.fromBigInt(this.nextId++);
      this.open.set(id.toString(), { ns, docs, pos: end, batchSize: size });
    }
    return { firstBatch: batch, id, ns };
  }

  more(ns: string, id: Long, batchSize: number | undefined): Doc {
    const key = id.toString();
    const c = this.open.get(key);
    if (!c) throw new ServerError(CODES.CursorNotFound, `cursor id ${key} not found`);
    if (c.ns !== ns)
      throw new ServerError(
        13,
        `Requested getMore on namespace '${ns}', but cursor belongs to a different namespace ${c.ns}`,
      );
    const { batch, end } = take(c.docs, c.pos, batchSize ?? Number.MAX_SAFE_INTEGER);
    c.pos = end;
    let outId = id;
    if (end >= c.docs.length) {
      this.open.delete(key);
      outId = Long.ZERO;
    }
    return { nextBatch: batch, id: outId, ns };
  }

  kill(ids: Long[]): { killed: Long[]; notFound: Long[] } {
    const killed: Long[] = [];
    const notFound: Long[] = [];
    for (const id of ids) (this.open.delete(id.toString()) ? killed : notFound).push(id);
    return { killed, notFound };
  }

  clear(): void {
    this.open.clear();
  }
}

function take(docs: Doc[], from: number, count: number): { batch: Doc[]; end: number } {
  const batch: Doc[] = [];
  let bytes = 0;
  let i = from;
  for (; i < docs.length && batch.length < count; i++) {
    const size = calculateObjectSize(docs[i]!);
    if (batch.length > 0 && bytes + size > MAX_BATCH_BYTES) break;
    bytes += size;
    batch.push(docs[i]!);
  }
  return { batch, end: i };
}

/** What a command handler sees: the store, the database named by `$db`, and server-wide state. */
export interface CommandContext {
  store: Store;
  db: string;
  cursors: Cursors;
  connectionId: number;
  startedAt: Date;
}

export type Handler = (cmd: Doc, ctx: CommandContext) => Doc | Promise<Doc>;
