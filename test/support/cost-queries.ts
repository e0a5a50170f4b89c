/** A query whose fragment F0 spreads F1 twice, F1 spreads F2 twice, and so on: 2^levels fields once expanded. */
export function doublingFragments(levels: number): string {
  const fragments = Array.from({ length: levels }, (_, i) =>
    i === levels - 1 ? `fragment F${i} on Job { id }` : `fragment F${i} on Job { id ...F${i + 1} ...F${i + 1} }`,
  );
  return `{ jobs { edges { node { ...F0 } } } } ${fragments.join(' ')}`;
}
