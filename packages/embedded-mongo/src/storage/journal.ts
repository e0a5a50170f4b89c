import {
  closeSync,
  existsSync,
  fdatasync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { deserialize, serialize } from 'bson';
import type { Doc } from '../query/values';

const FILE = 'journal.bson';
const DECODE = { promoteValues: false, bsonRegExp: true } as const;

/**
 * An append-only file of BSON records. Records are written with one write(2) per command before
 * the reply (so a killed process loses nothing it acknowledged) and, when `fsync` is on, made
 * durable with fdatasync shared by every write in flight (group commit).
 */
export class FileJournal {
  private fd: number | null = null;
  private pending: Buffer[] = [];
  private syncing: Promise<void> | null = null;
  private syncAgain = false;
  private waiters: Array<() => void> = [];

  constructor(
    private readonly dir: string,
    private readonly fsync: boolean,
  ) {}

  /** Reads every intact record; a torn record at the end (a crash mid-write) is dropped. */
  static read(dir: string): Doc[] {
    const path = join(dir, FILE);
    if (!existsSync(path)) return [];
    const buf = readFileSync(path);
    const out: Doc[] = [];
    let off = 0;
    while (off + 4 <= buf.length) {
      const len = buf.readInt32LE(off);
      if (len < 5 || off + len > buf.length) break;
      try {
        out.push(deserialize(buf.subarray(off, off + len), DECODE) as Doc);
      } catch {
        break;
      }
      off += len;
    }
    return out;
  }

  /** Replaces the journal with `records` (the compacted state) atomically, then opens it for appends. */
  open(records: Iterable<Doc>): void {
    mkdirSync(this.dir, { recursive: true });
    const path = join(this.dir, FILE);
    const tmp = `${path}.compact`;
    const fd = openSync(tmp, 'w');
    const batch: Buffer[] = [];
    let size = 0;
    const flush = (): void => {
      if (batch.length) writeSync(fd, Buffer.concat(batch));
      batch.length = 0;
      size = 0;
    };
    for (const r of records) {
      const b = Buffer.from(serialize(r, { ignoreUndefined: true }));
      batch.push(b);
      size += b.length;
      if (size > 1 << 22) flush();
    }
    flush();
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, path);
    this.fd = openSync(path, 'a');
  }

  record(entry: Doc): void {
    this.pending.push(Buffer.from(serialize(entry, { ignoreUndefined: true })));
  }

  /** Writes what the current command recorded; resolves once it is as durable as configured. */
  async commit(): Promise<void> {
    if (this.fd === null || this.pending.length === 0) return;
    const data = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    this.pending = [];
    let off = 0;
    while (off < data.length) off += writeSync(this.fd, data, off);
    if (!this.fsync) return;
    await new Promise<void>((resolve) => {
      this.waiters.push(resolve);
      if (this.syncing) this.syncAgain = true;
      else this.startSync();
    });
  }

  private startSync(): void {
    const waiters = this.waiters;
    this.waiters = [];
    const fd = this.fd;
    this.syncing = new Promise<void>((done) => {
      if (fd === null) {
        done();
        return;
      }
      fdatasync(fd, () => done());
    }).then(() => {
      this.syncing = null;
      for (const w of waiters) w();
      if (this.syncAgain || this.waiters.length) {
        this.syncAgain = false;
        if (this.waiters.length) this.startSync();
      }
    });
  }

  close(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}
