/**
 * The gateway's readiness: every subgraph answers its /healthz within `ms` (the smaller of 2 s
 * and SUBGRAPH_TIMEOUT_MS), else it names the ones that do not.
 */
export async function subgraphsAnswer(urls: string[], ms: number): Promise<{ subgraphs: number }> {
  const oks = await Promise.all(
    urls.map((u) =>
      fetch(new URL('/healthz', u), { signal: AbortSignal.timeout(ms) }).then(
        (r) => r.ok,
        () => false,
      ),
    ),
  );
  const down = urls.filter((_, i) => !oks[i]);
  if (down.length) throw new Error(`subgraphs not answering: ${down.join(', ')}`);
  return { subgraphs: urls.length };
}
