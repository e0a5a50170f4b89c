import { CODES, ServerError } from '../errors';
import type { Doc } from '../query/values';
import { Collection, type Journal, type ScanCounts } from './collection';
import { FileJournal } from './journal';
import type { IndexSpec } from './indexes';

export interface StoreOptions {
  /** Directory for the journal; without it everything lives in memory only. Default: none. */
  dataDir?: string;
  /** fdatasync the journal before acknowledging writes (survives power loss, not only a killed process). Default: true. */
  fsync?: boolean;
}

/** All databases and collections, plus the journal that makes them survive a restart. */
export class Store implements Journal {
  private readonly dbs = new Map<string, Map<string, Collection>>();
  private readonly file: FileJournal | null;
  private replaying = false;
  readonly scans: ScanCounts = { scanned: 0, scannedObjects: 0 };

  constructor(opts: StoreOptions = {}) {
    this.file = opts.dataDir ? new FileJournal(opts.dataDir, opts.fsync ?? true) : null;
    if (opts.dataDir) {
      this.replaying = true;
      for (const r of FileJournal.read(opts.dataDir)) this.replay(r);
      this.replaying = false;
      this.file!.open(this.snapshot());
    }
  }

  record(entry: Doc): void {
    if (!this.replaying) this.file?.record(entry);
  }

  /** Makes every change since the last commit durable; called before each reply. */
  commit(): Promise<void> {
    return this.file ? this.file.commit() : Promise.resolve();
  }

  close(): void {
    this.file?.close();
  }

  private replay(r: Doc): void {
    const db = r.db as string;
    const coll = r.coll as string;
    switch (r.op) {
      case 'create':
        this.createCollection(db, coll, (r.options as Doc) ?? {}, true);
        break;
      case 'put':
        this.collection(db, coll, true)!.restore(r.doc as Doc);
        break;
      case 'del':
        this.collection(db, coll)?.remove({ _id: r.id }, false);
        break;
      case 'options':
        this.collection(db, coll)?.setOptions(r.options as Doc, false);
        break;
      case 'index':
        this.collection(db, coll, true)!.createIndex(r.spec as IndexSpec, false);
        break;
      case 'dropIndex':
        this.collection(db, coll)?.dropIndex(r.name as string, false);
        break;
      case 'drop':
        this.dropCollection(db, coll);
        break;
      case 'dropDb':
        this.dropDatabase(db);
        break;
      default:
        break;
    }
  }

  /** The journal's compacted form: for each collection its options, indexes and documents. */
  private *snapshot(): Iterable<Doc> {
    for (const [db, colls] of this.dbs) {
      for (const [name, c] of colls) {
        yield { op: 'create', db, coll: name, options: c.options };
        for (const index of c.indexes.values())
          if (index.name !== '_id_') yield { op: 'index', db, coll: name, spec: index.spec };
        for (const doc of c.all()) yield { op: 'put', db, coll: name, doc };
      }
    }
  }

  databases(): string[] {
    return [...this.dbs.keys()].filter((d) => this.dbs.get(d)!.size > 0);
  }

  collections(db: string): Collection[] {
    return [...(this.dbs.get(db)?.values() ?? [])];
  }

  collection(db: string, name: string, create = false): Collection | undefined {
    const existing = this.dbs.get(db)?.get(name);
    if (existing || !create) return existing;
    return this.createCollection(db, name, {}, true);
  }

  createCollection(db: string, name: string, options: Doc, ifMissing = false): Collection {
    validateName(db, name);
    let colls = this.dbs.get(db);
    if (!colls) this.dbs.set(db, (colls = new Map()));
    const existing = colls.get(name);
    if (existing) {
      if (ifMissing) return existing;
      throw new ServerError(CODES.NamespaceExists, `Collection ${db}.${name} already exists.`);
    }
    const c = new Collection({ db, name, options, journal: this });
    colls.set(name, c);
    this.record({ op: 'create', db, coll: name, options });
    return c;
  }

  dropCollection(db: string, name: string): boolean {
    const colls = this.dbs.get(db);
    if (!colls?.delete(name)) return false;
    this.record({ op: 'drop', db, coll: name });
    return true;
  }

  dropDatabase(db: string): void {
    if (this.dbs.delete(db)) this.record({ op: 'dropDb', db });
  }
}

function validateName(db: string, name: string): void {
  if (!db || /[/\\. "$]/.test(db)) throw new ServerError(CODES.InvalidNamespace, `Invalid database name: '${db}'`);
  if (!name || name.includes('$') || name.startsWith('.') || name.includes('\0')) {
    throw new ServerError(CODES.InvalidNamespace, `Invalid collection name: '${name}'`);
  }
}
