import type { Stack } from '../../scripts/stack';

/** Sum of hiregraph_mongodb_commands_total over every subgraph's /metrics, by command. */
export async function mongoCommandCounts(stack: Stack): Promise<Record<string, number>> {
  return mongoCommandCountsAt(Object.values(stack.subgraphs).map((s) => s.metricsUrl));
}

/** The same sum over /metrics endpoints given by URL (subgraphs in a process of their own). */
export async function mongoCommandCountsAt(metricsUrls: string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const url of metricsUrls) {
    const text = await (await fetch(url)).text();
    for (const m of text.matchAll(
      /^hiregraph_mongodb_commands_total\{command="(\w+)",collection="[^"]*"[^}]*\} (\d+(?:\.\d+)?)$/gm,
    )) {
      out[m[1]!] = (out[m[1]!] ?? 0) + Number(m[2]);
    }
  }
  return out;
}

/** Commands sent while `fn` ran. */
export async function commandsDuring(stack: Stack, fn: () => Promise<unknown>): Promise<Record<string, number>> {
  const before = await mongoCommandCounts(stack);
  await fn();
  const after = await mongoCommandCounts(stack);
  const delta: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) if (v - (before[k] ?? 0) > 0) delta[k] = v - (before[k] ?? 0);
  return delta;
}
