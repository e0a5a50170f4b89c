import { ObjectId, type Filter } from 'mongodb';
import { errors } from './errors';

const PREFIX = 'hg1:';
/** A connection's page size when `first` is absent or null (the schemas' `first: Int = 20`). */
export const DEFAULT_FIRST = 20;

export interface Page {
  first: number;
  after: ObjectId | null;
}
export interface Connection<N> {
  edges: Array<{ cursor: string; node: N }>;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  /** The connection's totalCount, counted only when a query selects it (connectionResolvers). */
  count: () => Promise<number>;
}

/**
 * What every connection type resolves beyond its parent's properties: totalCount, by calling
 * `count`. A resolver, not a function-valued property, since only graphql-js's default resolver
 * calls those and subgraphs execute compiled (SUBGRAPH_EXECUTOR).
 */
export const connectionResolvers = {
  totalCount: (connection: Connection<unknown>) => connection.count(),
};

export function encodeCursor(id: ObjectId): string {
  return Buffer.from(`${PREFIX}${id.toHexString()}`).toString('base64url');
}

/**
 * Validates `first` (1..100; absent or null: `defaultFirst`, the schema's default) and decodes
 * `after`; both wrong ways are BAD_USER_INPUT.
 */
export function parsePage(
  first: number | null | undefined,
  after: string | null | undefined,
  defaultFirst = DEFAULT_FIRST,
): Page {
  const n = first ?? defaultFirst;
  if (!Number.isInteger(n) || n < 1 || n > 100)
    throw errors.badInput(`expected first to be between 1 and 100, received ${n}`, 'first');
  if (after === undefined || after === null) return { first: n, after: null };
  const text = Buffer.from(after, 'base64url').toString('utf8');
  const hex = text.startsWith(PREFIX) ? text.slice(PREFIX.length) : '';
  if (!/^[0-9a-f]{24}$/.test(hex) || encodeCursor(new ObjectId(hex)) !== after) {
    throw errors.badInput(
      `expected after to be a cursor from a previous page, received "${after.slice(0, 40)}"`,
      'after',
    );
  }
  return { first: n, after: new ObjectId(hex) };
}

/** Keyset range for newest-first pages: only ids below the cursor. */
export function pageFilter<T>(page: Page): Filter<T> {
  return (page.after ? { _id: { $lt: page.after } } : {}) as Filter<T>;
}

/**
 * How a page is read, with pageFilter: newest first, one row more than `first`, so toConnection
 * can tell whether another page follows.
 */
export function newestFirst(page: Page): { sort: { _id: -1 }; limit: number } {
  return { sort: { _id: -1 }, limit: page.first + 1 };
}

/** Builds a connection from up to first+1 rows sorted by _id descending (newestFirst). */
export function toConnection<R extends { _id: ObjectId }, N>(
  rows: R[],
  page: Page,
  node: (r: R) => N,
  count: () => Promise<number>,
): Connection<N> {
  const slice = rows.slice(0, page.first);
  return {
    count,
    edges: slice.map((r) => ({ cursor: encodeCursor(r._id), node: node(r) })),
    pageInfo: {
      hasNextPage: rows.length > page.first,
      endCursor: slice.length ? encodeCursor(slice[slice.length - 1]!._id) : null,
    },
  };
}
