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
