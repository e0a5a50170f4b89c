/**
 * The actual cost of an answer: the objects it returned, each counting 1 as in the estimate (a
 * list counts the objects it holds), so operators can set it beside the estimate to tune
 * `@listSize` and the limits. It leaves out what the estimate adds for work rather than data (a
 * mutation's base, `@cost` weights, input objects). A plain walk of the response: re-executing
 * the operation over it with graphql-js cost 12 ms for a 30 × 10 × 3 dashboard and 358 ms for the
 * graph benchmark's answer (bench/RESULTS.md); this walk is about a hundred times cheaper.
 */
export function actualCost(data: unknown): number {
  let objects = 0;
  const walk = (value: unknown): void => {
    if (value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      for (const item of value) walk(item);
      return;
    }
    objects++;
    for (const key in value) walk((value as Record<string, unknown>)[key]);
  };
  walk(data);
  // The data object itself is the operation's root, not a returned object.
  return Math.max(0, objects - 1);
}
