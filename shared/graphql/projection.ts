import type { ApolloServerPlugin } from '@apollo/server';
import { isAbstractType, TypeInfo, visit, visitWithTypeInfo, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { Document } from 'mongodb';

/** Object type name → the names of its fields an operation selects anywhere (`__typename` included). */
export type SelectedFields = ReadonlyMap<string, ReadonlySet<string>>;

/**
 * A stored document read with a projection: the fields in `A` are always there, any other may be
 * absent (it was not selected, so no resolver reads it).
 */
export type Projected<D, A extends keyof D> = Pick<D, A> & Partial<Omit<D, A>>;

/**
 * A view made from a projected document: every field of the schema's type `T` is a key (so a
 * view cannot forget one), undefined where the operation did not select it.
 */
export type PartialView<T> = { [K in keyof T]: T[K] | undefined };

/**
 * What one stored type's GraphQL fields read of its documents. A selected field missing from
 * `fields` reads the whole document, so a field added to the schema and forgotten here costs
 * bytes, never a wrong answer.
 */
export interface ReadTable<D, A extends keyof D & string> {
  /** The GraphQL object type whose selected fields decide the read. */
  type: string;
  /** Read whatever is selected: the id, tenantId, and what code reads regardless of the selection. */
  always: readonly A[];
  /** GraphQL field → the top-level document fields its resolver reads (none for loader-backed fields). */
  fields: Readonly<Record<string, readonly (keyof D & string)[]>>;
}

/** What a loader of a table's type returns. */
export type ReadOf<R> = R extends ReadTable<infer D, infer A> ? Projected<D, A> : never;

/** Declares a table for the stored type `D`, inferring its always-read fields (`readTable<Doc>()({ ... })`). */
export const readTable =
  <D>() =>
  <A extends keyof D & string>(table: ReadTable<D, A>): ReadTable<D, A> =>
    table;

/**
 * Table entries for GraphQL fields stored under their own names: each reads the document field
 * of the same name (`...sameNamed('title', 'status')` is `title: ['title'], status: ['status']`).
 */
export function sameNamed<K extends string>(...names: K[]): Record<K, readonly [K]> {
  return Object.fromEntries(names.map((n) => [n, [n] as const])) as Record<K, readonly [K]>;
}

// Apollo keeps one parsed DocumentNode per query string (its document store), and a gateway sends
// the same strings for every user, so each document is walked once per server, not per request.
const cache = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, SelectedFields>>();

/**
 * The fields `document` selects per object type, over every operation and fragment in it (a
 * superset of what one operation executes, so never too little): fields under fragments and
 * inline fragments (`_entities { ... on Candidate { name } }`) count for their type, and a field
 * selected on an interface or union counts for every possible type.
 */
export function selectedFields(schema: GraphQLSchema, document: DocumentNode): SelectedFields {
  let bySchema = cache.get(schema);
  if (!bySchema) cache.set(schema, (bySchema = new WeakMap()));
  const known = bySchema.get(document);
  if (known) return known;
  const fields = new Map<string, Set<string>>();
  const add = (type: string, field: string) => {
    const set = fields.get(type);
    if (set) set.add(field);
    else fields.set(type, new Set([field]));
  };
  const info = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(info, {
      Field(node) {
        const parent = info.getParentType();
        if (!parent) return;
        if (isAbstractType(parent)) for (const t of schema.getPossibleTypes(parent)) add(t.name, node.name.value);
        else add(parent.name, node.name.value);
      },
    }),
  );
  bySchema.set(document, fields);
  return fields;
}

/** The MongoDB projection `table` calls for given `selected`, or undefined for the whole document. */
export function projectionOf<D, A extends keyof D & string>(
  selected: SelectedFields,
  table: ReadTable<D, A>,
): Document | undefined {
  const projection: Record<string, 1> = {};
  for (const path of table.always) projection[path] = 1;
  for (const field of selected.get(table.type) ?? []) {
    if (field === '__typename') continue;
    if (!Object.hasOwn(table.fields, field)) return undefined;
    for (const path of table.fields[field]!) projection[path] = 1;
  }
  return projection;
}

// A document's projection per table is fixed, so it is made once and shared (frozen) by every
// request of that document, like its selected fields.
const projections = new WeakMap<SelectedFields, Map<object, Document | undefined>>();

/**
 * What the operation of one request selects, for its loaders to read no more than that. Unknown
 * (whole documents) until the operation is resolved, and for good where no operation passes
 * through Apollo's pipeline (graphql-ws subscriptions).
 */
export class OperationReads {
  private selected: SelectedFields | null = null;

  /** Called once the request's operation is known (projectionPlugin). */
  know(selected: SelectedFields): void {
    this.selected = selected;
  }

  /** The projection for a document of `table`'s type, or undefined to read the whole document. */
  projection<D, A extends keyof D & string>(table: ReadTable<D, A>): Document | undefined {
    if (!this.selected) return undefined;
    let byTable = projections.get(this.selected);
    if (!byTable) projections.set(this.selected, (byTable = new Map()));
    if (!byTable.has(table)) {
      const projection = projectionOf(this.selected, table);
      byTable.set(table, projection && Object.freeze(projection));
    }
    return byTable.get(table);
  }
}

// One listener for every request: it keeps no state of its own.
const listener = {
  async didResolveOperation({
    contextValue,
    document,
    schema,
  }: {
    contextValue: { reads: OperationReads };
    document: DocumentNode;
    schema: GraphQLSchema;
  }) {
    contextValue.reads.know(selectedFields(schema, document));
  },
};

/** Tells each request's OperationReads what its operation selects, before any resolver runs. */
export const projectionPlugin: ApolloServerPlugin<{ reads: OperationReads }> = {
  async requestDidStart() {
    return listener;
  },
};
