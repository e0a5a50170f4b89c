/**
 * The actual cost of an answer: the objects it returned, each counting 1 as in the estimate (a
 * list counts the objects it holds), so operators can set it beside the estimate to tune
 * `@listSize` and the limits. It leaves out what the estimate adds for work rather than data (a
 * mutation's base, `@cost` weights, input objects).
 *
 * Counted on the answer's JSON text, which the gateway makes once anyway (sharing/result-json.ts):
 * every object with a field opens with `{"`, a sequence no JSON string holds (a quote inside one
 * is escaped), so counting it is a native substring search instead of a walk over every value of
 * a large answer (6% of the gateway's CPU on the dashboard, bench/RESULTS.md). An object with no
 * field at all (`{}`, every field skipped) counts nothing.
 */
export function actualCost(dataJson: string): number {
  let objects = 0;
  for (let at = dataJson.indexOf('{"'); at !== -1; at = dataJson.indexOf('{"', at + 2)) objects++;
  // The data object itself is the operation's root, not a returned object.
  return Math.max(0, objects - 1);
}
