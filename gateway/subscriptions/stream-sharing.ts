import { Kind, parse, print, type ExecutionResult, type FieldNode, type OperationDefinitionNode } from 'graphql';
import { tooManyWaiting } from './push-iterator';

/**
 * Subscription fields that, called without arguments, only stream live events, so late joiners
 * can share a stream (with `after`, each subscriber has its own backlog).
 */
const LIVE_ONLY = new Set(['assessmentEvents']);

/**
 * Per-run subscription fields, with the argument that says where a subscriber starts: subscribers
 * of one run with one selection see the same live events whatever they gave it.
 */
const PER_RUN: Record<string, { from: string }> = { assessmentProgress: { from: 'afterSeq' } };

/** The response key under which a per-run primary operation asks for each event's seq, whatever the client selected. */
export const SEQ_KEY = '_hiregraphSeq';

/** A per-run subscription's primary operation, made to carry each event's seq. */
export interface PerRunPrimary {
  /** The primary operation with `seq` asked for under SEQ_KEY (the client's answer never shows it). */
  operation: string;
  /** The subscription field's response key in the subgraph's event data. */
  responseKey: string;
  /** The variable the start argument takes, left out of what identifies a shared stream; null when absent. */
  fromVariable: string | null;
}

/** How subscribers of a primary operation may share: tenant-wide live events, one run's events, or not at all. */
export type Sharing = { kind: 'live' } | { kind: 'run'; run: PerRunPrimary } | { kind: 'none' };

/**
 * How a subgraph subscription operation (a plan's primary) may be shared, read once when it is
 * planned: a live-only field called without arguments; a per-run field (its primary rewritten to
 * carry each event's seq), unless its start argument is given inline or a client alias takes
 * SEQ_KEY; anything else is each subscriber's own.
 */
export function sharingOf(operation: string): Sharing {
  const doc = parse(operation);
  const op = doc.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const field = op?.selectionSet.selections[0];
  if (!op || op.selectionSet.selections.length !== 1 || field?.kind !== Kind.FIELD || !field.selectionSet)
    return { kind: 'none' };
  if (LIVE_ONLY.has(field.name.value)) return { kind: field.arguments?.length ? 'none' : 'live' };
  const spec = PER_RUN[field.name.value];
  if (!spec) return { kind: 'none' };
  const from = field.arguments?.find((a) => a.name.value === spec.from);
  if (from && from.value.kind !== Kind.VARIABLE) return { kind: 'none' };
  if (field.selectionSet.selections.some((s) => s.kind === Kind.FIELD && (s.alias ?? s.name).value === SEQ_KEY))
    return { kind: 'none' };
  const seq: FieldNode = {
    kind: Kind.FIELD,
    alias: { kind: Kind.NAME, value: SEQ_KEY },
    name: { kind: Kind.NAME, value: 'seq' },
  };
  const withSeq: FieldNode = {
    ...field,
    selectionSet: { ...field.selectionSet, selections: [...field.selectionSet.selections, seq] },
  };
  const next: OperationDefinitionNode = { ...op, selectionSet: { ...op.selectionSet, selections: [withSeq] } };
  return {
    kind: 'run',
    run: {
      operation: print({ ...doc, definitions: doc.definitions.map((d) => (d === op ? next : d)) }),
      responseKey: (field.alias ?? field.name).value,
      fromVariable: from?.value.kind === Kind.VARIABLE ? from.value.name.value : null,
    },
  };
}

/** One subscriber of a run: its own subscription until the run's shared one has caught up with it. */
export interface RunJoiner {
  iterator: AsyncIterableIterator<ExecutionResult>;
  /** Gives the joiner the shared stream (joined from this moment; at most once). */
  attach(shared: AsyncIterableIterator<ExecutionResult>): void;
  readonly attached: boolean;
}

/**
 * A subscriber's events: first from its own subscription (its SNAPSHOT, or its replay after
 * afterSeq, then live events), and from the moment the shared stream holds the event after the
 * last one delivered, from the shared stream only, its own closed. The shared stream is contiguous
 * in seq from the moment it is joined, and it was joined before anything the switch depends on
 * arrived, so the subscriber gets every seq once and in order. `seqOf` reads an event's seq
 * (undefined for a result without data, which the shared stream's subscribers skip while on their own).
 */
export function joinRun(
  own: AsyncIterableIterator<ExecutionResult>,
  seqOf: (r: ExecutionResult) => number | undefined,
  maxQueued: number,
): RunJoiner {
  let shared: AsyncIterableIterator<ExecutionResult> | null = null;
  const head: ExecutionResult[] = [];
  let sharedEnded = false;
  let sharedFailure: unknown = null;
  let wake: (() => void) | null = null;
  const signal = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  const attach = (s: AsyncIterableIterator<ExecutionResult>): void => {
    if (shared) return;
    shared = s;
    void (async () => {
      try {
        for await (const r of s) {
          // The bound holds while the consumer does not read, as a PushIterator's does: what is
          // queued is still delivered, then the error.
          if (head.length >= maxQueued) throw tooManyWaiting(maxQueued);
          head.push(r);
          signal();
        }
      } catch (err) {
        sharedFailure = err;
      } finally {
        sharedEnded = true;
        signal();
      }
    })();
  };

  async function* events(): AsyncGenerator<ExecutionResult> {
    let last = -Infinity;
    let pending: Promise<IteratorResult<ExecutionResult>> | null = null;
    try {
      // On its own subscription, until the shared stream has the event after the last delivered.
      for (;;) {
        while (head.length && seqOf(head[0]!) === undefined) head.shift();
        if (head.length && seqOf(head[0]!)! <= last + 1) break;
        if (sharedEnded) head.length = 0;
        const woke = new Promise<null>((r) => (wake = () => r(null)));
        pending ??= own.next();
        const r = await Promise.race([pending, woke]);
        if (r === null) continue;
        pending = null;
        if (r.done) return;
        last = seqOf(r.value) ?? last;
        yield r.value;
      }
      await own.return?.();
      // On the shared stream.
      for (;;) {
        while (head.length) {
          const r = head.shift()!;
          const seq = seqOf(r);
          if (seq !== undefined && seq <= last) continue;
          last = seq ?? last;
          yield r;
        }
        if (sharedEnded) {
          if (sharedFailure) throw sharedFailure;
          return;
        }
        await new Promise<void>((r) => (wake = r));
      }
    } finally {
      await own.return?.();
      await (shared as AsyncIterableIterator<ExecutionResult> | null)?.return?.();
    }
  }

  const gen = events();
  return {
    iterator: {
      next: () => gen.next(),
      // Closing the sources first wakes a pending wait, so leaving takes effect at once.
      return: async () => {
        await own.return?.();
        await (shared as AsyncIterableIterator<ExecutionResult> | null)?.return?.();
        signal();
        return gen.return(undefined);
      },
      throw: (err: unknown) => gen.throw(err),
      [Symbol.asyncIterator]() {
        return this;
      },
    },
    attach,
    get attached() {
      return shared !== null;
    },
  };
}
