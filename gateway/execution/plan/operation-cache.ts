import type { DocumentNode } from 'graphql';
import { LRUCache } from 'lru-cache';

/**
 * What the gateway makes once per operation (a compiled operation, a subscription's plans): found
 * first by document, as the servers' document caches hand the same document for the same text,
 * then by operation name and text among the `max` most recent, for a document parsed anew.
 */
export class OperationCache<T extends object> {
  private readonly byDocument = new WeakMap<DocumentNode, Map<string, T>>();
  private readonly byText: LRUCache<string, T>;

  constructor(max: number) {
    this.byText = new LRUCache<string, T>({ max });
  }

  /**
   * The entry for `document`'s operation `operationName`; else made by `make` from its key (the
   * name and `text`, read only on a miss by document; none: found by document only).
   */
  get(
    document: DocumentNode,
    operationName: string | undefined,
    text: (() => string) | undefined,
    make: (key: string | undefined) => T,
  ): T {
    const name = operationName ?? '';
    const seen = this.byDocument.get(document)?.get(name);
    if (seen) return seen;
    const key = text === undefined ? undefined : `${name}\n${text()}`;
    let found = key === undefined ? undefined : this.byText.get(key);
    if (!found) {
      found = make(key);
      if (key !== undefined) this.byText.set(key, found);
    }
    const names = this.byDocument.get(document) ?? new Map<string, T>();
    this.byDocument.set(document, names.set(name, found));
    return found;
  }
}
