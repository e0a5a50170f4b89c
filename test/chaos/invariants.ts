import { MongoClient, ObjectId } from 'mongodb';
import type { Load } from './load';
import type { Failure } from './resuming-subscription';

/** A fault the scheduler injected, and when its target was serving again. */
export interface Fault {
  kind: string;
  target: string;
  at: number;
  recoveredAt: number;
}

export interface Check {
  name: string;
  checked: number;
  problems: string[];
}

/** After a fault, requests may fail until this long after its target serves again (clients retry, caches refill). */
const GRACE_MS = 8000;

interface StoredRun {
  _id: ObjectId;
  status: string;
  eventSeq: number;
  events: Array<{ seq: number; type: string; step: { name: string } | null }>;
}

/** Every invariant the chaos run promises, checked against MongoDB and what the clients saw. */
export async function checkInvariants(mongoUri: string, dbName: string, load: Load, faults: Fault[]): Promise<Check[]> {
  const client = await MongoClient.connect(mongoUri);
  try {
    const db = client.db(dbName);
    const checks: Check[] = [];
    const runs = new Map<string, StoredRun>();
    for (const t of load.tenants) {
      const docs = await db
        .collection<StoredRun>('assessments')
        .find({ tenantId: new ObjectId(t.id) }, { projection: { status: 1, eventSeq: 1, events: 1 } })
        .toArray();
      for (const d of docs) runs.set(d._id.toHexString(), d);
    }
    const started = load.tenants.flatMap((t) => t.runs);

    const terminal: Check = {
      name: 'each started run reached one terminal state',
      checked: started.length,
      problems: [],
    };
    for (const id of started) {
      const r = runs.get(id);
      if (!r) terminal.problems.push(`${id}: acknowledged by startAssessment but not in MongoDB`);
      else if (!['COMPLETED', 'FAILED', 'CANCELLED'].includes(r.status))
        terminal.problems.push(`${id}: still ${r.status}`);
      else if (r.events.filter((e) => ['COMPLETED', 'FAILED', 'CANCELLED'].includes(e.type)).length !== 1) {
        terminal.problems.push(`${id}: ${r.events.filter((e) => e.type === r.status).length} terminal events`);
      }
    }
    checks.push(terminal);

    const once: Check = { name: 'each step result recorded once, event log gap-free', checked: 0, problems: [] };
    for (const [id, r] of runs) {
      once.checked++;
      if (r.events.some((e, i) => e.seq !== i + 1) || r.eventSeq !== r.events.length)
        once.problems.push(`${id}: seqs not 1..n`);
      const results = new Map<string, number>();
      for (const e of r.events) {
        if ((e.type === 'STEP_SUCCEEDED' || e.type === 'STEP_FAILED') && e.step)
          results.set(e.step.name, (results.get(e.step.name) ?? 0) + 1);
      }
      for (const [step, n] of results) if (n > 1) once.problems.push(`${id}: ${step} recorded ${n} times`);
    }
    checks.push(once);

    const tenantWide: Check = {
      name: 'tenant-wide subscribers saw every event once, in order',
      checked: 0,
      problems: [],
    };
    const perRun: Check = { name: 'per-run subscribers saw every event once, in order', checked: 0, problems: [] };
    for (const t of load.tenants) {
      for (const id of t.runs) {
        const r = runs.get(id);
        if (!r) continue;
        tenantWide.checked++;
        const seen = t.tenantSeen.get(id) ?? [];
        const stored = r.events.map((e) => e.seq);
        if (JSON.stringify(seen) !== JSON.stringify(stored))
          tenantWide.problems.push(`${id}: saw ${seen.join(',')} of ${stored.join(',')}`);
        const own = t.runSeen.get(id);
        if (!own) continue;
        perRun.checked++;
        const want = stored.filter((s) => s > own.from);
        if (!own.done || JSON.stringify(own.seqs) !== JSON.stringify(want)) {
          perRun.problems.push(`${id}: after snapshot ${own.from} saw ${own.seqs.join(',')} of ${want.join(',')}`);
        }
      }
    }
    checks.push(tenantWide, perRun);

    const writes: Check = { name: 'no acknowledged write missing', checked: 0, problems: [] };
    for (const t of load.tenants) {
      const ids = t.written.map((id) => new ObjectId(id));
      writes.checked += ids.length;
      const found = new Set(
        (
          await db
            .collection('candidates')
            .find({ _id: { $in: ids } }, { projection: { _id: 1 } })
            .toArray()
        ).map((d) => d._id.toHexString()),
      );
      for (const id of t.written) if (!found.has(id)) writes.problems.push(`candidate ${id}`);
    }
    checks.push(writes);

    const explained = (f: Failure) => faults.some((x) => f.at >= x.at - 1000 && f.at <= x.recoveredAt + GRACE_MS);
    const failures: Check = {
      name: 'no request failed except around a fault',
      checked: load.counts.queries! + load.counts.writes! + load.counts.runs! + load.failures.length,
      problems: load.failures
        .filter((f) => !explained(f))
        .map((f) => `${new Date(f.at).toISOString()} ${f.what}: ${f.error}`),
    };
    checks.push(failures);
    return checks;
  } finally {
    await client.close();
  }
}
