import type { DeferNode, DeferredNode } from '@apollo/query-planner';
import { GraphQLError } from 'graphql';
import type { IncrementalItem, SubsequentPayload } from '../../../shared/graphql/incremental';
import { PushIterator } from '../../subscriptions/push-iterator';
import { asGraphQLError, executeNode, merge, type Cursor, type Path, type PlanRun } from './execute';
import type { CompiledOperation } from './operation';
import { isObjectOfType, typeConditionOf } from './rewrites';
import { own } from './shape';

/** A promise with its resolve, for what one part waits on another for. */
interface Signal<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}
function signal<T>(): Signal<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** One part of a deferred answer: the initial one (root) or a deferred fragment. */
interface Part {
  label?: string;
  queryPath: readonly string[];
  /** What the part's payload selects; a deferred part with nested defers takes its nested primary's. */
  subselection?: string;
  /** Its fetches' errors, with paths in the client's answer. */
  errors: GraphQLError[];
  parent?: Part;
  /** Its plan nodes have run: by then what its nested parts depend on is done, or never will be. */
  executed: Signal<void>;
  /** Its payload went out (true: with data), so nested parts find their paths in it. */
  sent: Signal<boolean>;
}

/**
 * The deferred parts of one execution of a plan with Defer nodes. Each part starts when the
 * fetches it depends on are done (or its enclosing part has run, if one of them never ran) and
 * goes out once its enclosing part has gone out: one payload per part, with an item per place its
 * fragment reached in the answer (every element of a list), shaped to the part's subselection,
 * each with the errors found under its path. The last payload says `hasNext: false`.
 */
export class DeferredRun {
  readonly root: Part = { queryPath: [], errors: [], executed: signal(), sent: signal() };
  readonly payloads: PushIterator<SubsequentPayload>;
  private readonly fetches = new Map<string, Signal<void>>();
  private pending = 0;
  private stopped = false;
  /** The answer as sent so far: the initial data, then (for nested parts, copied) each part merged in. */
  private sentData: Record<string, unknown> | null = null;
  private merged?: Record<string, unknown>;
  private readonly items: IncrementalItem[] = [];

  constructor(
    private readonly base: Omit<PlanRun, 'errors' | 'fetched' | 'defer'>,
    private readonly operation: CompiledOperation,
    private readonly data: Record<string, unknown>,
  ) {
    // The consumer left (client gone, size cap): parts still running are dropped as they finish.
    this.payloads = new PushIterator<SubsequentPayload>(() => (this.stopped = true), Number.MAX_SAFE_INTEGER);
  }

  /** Whether any Defer node was met (the run has later parts). */
  get deferred(): boolean {
    return this.pending > 0;
  }

  runOf(part: Part): PlanRun {
    return {
      ...this.base,
      errors: part.errors,
      fetched: (id) => this.fetch(id).resolve(),
      defer: (node, cursor) => this.defer(part, node, cursor),
    };
  }

  /** The initial payload went out with this data (null: nothing to add parts to, so none are sent). */
  initialSent(data: Record<string, unknown> | null): void {
    this.sentData = data;
    this.root.executed.resolve();
    this.root.sent.resolve(data !== null);
  }

  private fetch(id: string): Signal<void> {
    let s = this.fetches.get(id);
    if (!s) this.fetches.set(id, (s = signal()));
    return s;
  }

  private defer(parent: Part, node: DeferNode, cursor: Cursor): void {
    // The first Defer a part meets gives its own shape (the root's, or a part with nested defers).
    parent.subselection ??= node.primary.subselection;
    for (const deferred of node.deferred) {
      const part: Part = {
        label: deferred.label,
        queryPath: deferred.queryPath,
        subselection: deferred.subselection,
        errors: [],
        parent,
        executed: signal(),
        sent: signal(),
      };
      this.pending++;
      void this.run(part, deferred, cursor);
    }
  }

  private async run(part: Part, deferred: DeferredNode, cursor: Cursor): Promise<void> {
    const parent = part.parent!;
    try {
      const depends = Promise.all(deferred.depends.map((d) => this.fetch(d.id).promise));
      await Promise.race([depends, parent.executed.promise]);
      if (deferred.node && !this.stopped) await executeNode(this.runOf(part), deferred.node, cursor);
    } catch (err) {
      part.errors.push(asGraphQLError(err));
    } finally {
      part.executed.resolve();
    }
    let items: IncrementalItem[] = [];
    if ((await parent.sent.promise) && !this.stopped) {
      try {
        items = this.itemsOf(part);
      } catch (err) {
        items = [{ path: [], errors: [asGraphQLError(err)] }];
      }
    }
    this.send(part, items);
  }

  /** One item per object the part's query path reaches in what was sent; the part's errors under their paths. */
  private itemsOf(part: Part): IncrementalItem[] {
    const view = part.parent === this.root ? this.sentData : this.mergedView();
    const found: { path: Path; raw: Record<string, unknown> }[] = [];
    this.reach(view, this.data, part.queryPath, 0, [], found);
    const variables = this.base.variables;
    const items: IncrementalItem[] = found.map(({ path, raw }) => {
      const shaped = this.operation.shapePart(part.subselection, part.queryPath, raw, path, variables);
      const item: IncrementalItem = { data: shaped.data, path };
      if (part.label !== undefined) item.label = part.label;
      // As for a whole answer (plan-executor.ts): value errors are reported apart only when no fetch failed.
      if (part.errors.length === 0 && shaped.errors.length > 0) item.extensions = { valueCompletion: shaped.errors };
      return item;
    });
    if (part.errors.length === 0) return items;
    const unplaced: GraphQLError[] = [];
    for (const error of part.errors) {
      const item = items.find((i) => isPrefix(i.path, error.path));
      if (item) item.errors = [...(item.errors ?? []), error];
      else unplaced.push(error);
    }
    if (unplaced.length) {
      const first = items[0] ?? { path: [] };
      first.errors = [...unplaced, ...(first.errors ?? [])];
      if (!items.length) items.push(first);
    }
    return items;
  }

  /** Walks what was sent (for existence and list positions) beside the merged data (for values). */
  private reach(
    sent: unknown,
    raw: unknown,
    steps: readonly string[],
    at: number,
    path: Path,
    out: { path: Path; raw: Record<string, unknown> }[],
  ): void {
    if (sent === null || sent === undefined || raw === null || typeof raw !== 'object') return;
    if (Array.isArray(sent)) {
      if (!Array.isArray(raw)) return;
      sent.forEach((value: unknown, i) => {
        path.push(i);
        this.reach(value, raw[i], steps, at, path, out);
        path.pop();
      });
      return;
    }
    if (typeof sent !== 'object') return;
    const record = raw as Record<string, unknown>;
    if (at === steps.length) {
      out.push({ path: [...path], raw: record });
      return;
    }
    const step = steps[at]!;
    const condition = typeConditionOf(step);
    if (condition !== undefined) {
      if (isObjectOfType(this.base.supergraph, record, condition, true))
        this.reach(sent, raw, steps, at + 1, path, out);
      return;
    }
    path.push(step);
    this.reach(own(sent as Record<string, unknown>, step), own(record, step), steps, at + 1, path, out);
    path.pop();
  }

  /** The initial data with every item sent so far merged in, copied: only nested parts need it. */
  private mergedView(): Record<string, unknown> | null {
    if (!this.sentData) return null;
    if (!this.merged) {
      this.merged = structuredClone(this.sentData);
      for (const item of this.items) mergeAt(this.merged, item);
    }
    return this.merged;
  }

  private send(part: Part, items: IncrementalItem[]): void {
    this.pending--;
    this.items.push(...items);
    if (this.merged) for (const item of items) mergeAt(this.merged, item);
    part.sent.resolve(items.some((i) => i.data));
    if (this.stopped) return;
    if (items.length > 0 || this.pending === 0)
      this.payloads.push({ ...(items.length > 0 && { incremental: items }), hasNext: this.pending > 0 });
    if (this.pending === 0) this.payloads.end();
  }
}

function mergeAt(target: Record<string, unknown>, item: IncrementalItem): void {
  if (!item.data) return;
  let at: unknown = target;
  for (const step of item.path) {
    if (at === null || typeof at !== 'object') return;
    at = (at as Record<string | number, unknown>)[step];
  }
  if (at && typeof at === 'object' && !Array.isArray(at))
    merge(at as Record<string, unknown>, structuredClone(item.data));
}

function isPrefix(prefix: readonly (string | number)[], path: readonly (string | number)[] | undefined): boolean {
  if (!path || path.length < prefix.length) return false;
  return prefix.every((step, i) => path[i] === step);
}
