import DataLoader from 'dataloader';

/** Records a batch's size (the loader's name, how many keys). */
export type BatchObserver = (loader: string, size: number) => void;

/** A DataLoader whose batch sizes are measured, so /metrics shows how well requests batch. */
export function batched<K, V, C = K>(
  name: string,
  observe: BatchObserver,
  fn: DataLoader.BatchLoadFn<K, V>,
  options?: DataLoader.Options<K, V, C>,
): DataLoader<K, V, C> {
  return new DataLoader<K, V, C>((keys) => {
    observe(name, keys.length);
    return fn(keys);
  }, options);
}

/**
 * A batch function for keys that carry arguments (a page size, a status): keys with the same
 * arguments share one query, which gets each parent id once and answers a list per parent.
 */
export function byArguments<K extends { id: string }, V>(
  argumentsKey: (k: K) => string,
  load: (ids: string[], sample: K) => Promise<Map<string, V[]>>,
): DataLoader.BatchLoadFn<K, V[]> {
  return async (keys) => {
    const groups = new Map<string, { sample: K; ids: Set<string> }>();
    for (const k of keys) {
      const g = groups.get(argumentsKey(k)) ?? { sample: k, ids: new Set<string>() };
      g.ids.add(k.id);
      groups.set(argumentsKey(k), g);
    }
    const results = new Map<string, Map<string, V[]>>();
    await Promise.all([...groups].map(async ([key, g]) => results.set(key, await load([...g.ids], g.sample))));
    return keys.map((k) => results.get(argumentsKey(k))!.get(k.id) ?? []);
  };
}
