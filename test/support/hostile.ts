import { createHash } from 'node:crypto';
import fc from 'fast-check';
import {
  buildClientSchema,
  getIntrospectionQuery,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLSchema,
  type IntrospectionQuery,
} from 'graphql';
import { ObjectId, type Db } from 'mongodb';
import { ErrorCode, KNOWN_CODES } from '../../shared/errors';

/**
 * Hostile input as fast-check arbitraries: operations generated from the gateway's own schema
 * with arguments that are sometimes right and often wrong, raw HTTP garbage, and the invariants
 * every answer must keep. Shared by the Jest suite (bounded) and `npm run fuzz` (long runs).
 */

/** Every `extensions.code` a hostile request may get: every known code but the internal error. */
export const CLIENT_CODES = new Set([...KNOWN_CODES].filter((c) => c !== ErrorCode.INTERNAL_SERVER_ERROR));

/** The schema as clients see it, by introspection through the gateway. */
export async function clientSchema(url: string, token: string): Promise<GraphQLSchema> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: getIntrospectionQuery() }),
  });
  return buildClientSchema(((await res.json()) as { data: IntrospectionQuery }).data);
}

const PROTO = JSON.parse(
  '{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}',
) as unknown;

/** Values nobody should send: wrong types, huge, NUL and broken unicode, Mongo operators, prototype keys. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom('\u0000', 'a\u0000b', '\ud800', '\udfff\ud800', '\uffff', '', ' ', '💥'.repeat(50)),
  fc.constantFrom('x'.repeat(100_000), '{'.repeat(5000), '$where', 'sleep(1000)', '.*', '(a+)+$'),
  fc.integer(),
  fc.double(),
  fc.constantFrom(2 ** 31, -(2 ** 31) - 1, Number.MAX_SAFE_INTEGER, 1e308, -0),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom({ $gt: '' }, { $ne: null }, { $where: 'sleep(1000)' }, { $regex: '.*' }, { $expr: { $eq: [1, 1] } }),
  fc.constant(PROTO),
  fc.constant(Array.from({ length: 5000 }, () => 'a')),
  fc.array(fc.oneof(fc.string(), fc.integer(), fc.constant({ $gt: '' })), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.string(), fc.integer(), fc.constant(null)), { maxKeys: 4 }),
  fc.constantFrom(
    new ObjectId().toHexString(),
    '0'.repeat(24),
    'g'.repeat(24),
    new ObjectId().toHexString().toUpperCase(),
  ),
);

/** Ids a request may refer to: the caller's own entities, another tenant's, and ones that never existed. */
export interface KnownIds {
  own: string[];
  foreign: string[];
}

/** A value of `type`, right most of the time (so requests reach deep code), hostile otherwise. */
function valueFor(type: GraphQLInputType, ids: KnownIds, depth: number): fc.Arbitrary<unknown> {
  const hostile = hostileValue;
  if (isNonNullType(type)) return valueFor(type.ofType, ids, depth);
  if (isListType(type)) {
    return fc.oneof(
      { weight: 4, arbitrary: fc.array(valueFor(type.ofType, ids, depth + 1), { maxLength: 4 }) },
      { weight: 1, arbitrary: hostile },
    );
  }
  let right: fc.Arbitrary<unknown>;
  if (isEnumType(type)) right = fc.constantFrom(...type.getValues().map((v) => v.name));
  else if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields());
    right =
      depth > 3
        ? fc.constant({})
        : fc.record(Object.fromEntries(fields.map((f) => [f.name, valueFor(f.type, ids, depth + 1)])), {
            requiredKeys: fields.filter((f) => isNonNullType(f.type)).map((f) => f.name),
          });
  } else if (isScalarType(type)) {
    right =
      type.name === 'ID'
        ? fc.constantFrom(...ids.own, ...ids.foreign, new ObjectId().toHexString())
        : type.name === 'Int'
          ? fc.integer({ min: -5, max: 200 })
          : type.name === 'Float'
            ? fc.double({ min: -1, max: 100, noNaN: true })
            : type.name === 'Boolean'
              ? fc.boolean()
              : type.name === 'DateTime'
                ? fc.date({ noInvalidDate: true }).map((d) => d.toISOString())
                : fc.oneof(fc.string({ maxLength: 20 }), fc.emailAddress());
  } else right = hostile;
  return fc.oneof({ weight: 3, arbitrary: right }, { weight: 1, arbitrary: hostile });
}

/** Scalar fields of an object type, and one level of object fields, as a selection. */
function selectionOf(type: GraphQLObjectType, depth = 0): string {
  const parts: string[] = [];
  for (const f of Object.values(type.getFields())) {
    if (f.args.some((a) => isNonNullType(a.type))) continue;
    const named = getNamedType(f.type);
    if (isScalarType(named) || isEnumType(named)) parts.push(f.name);
    else if (isObjectType(named) && depth < 1) parts.push(`${f.name} { ${selectionOf(named, depth + 1)} }`);
  }
  return parts.length ? parts.join(' ') : '__typename';
}

export interface Operation {
  query: string;
  variables: Record<string, unknown>;
  mutation: boolean;
  field: string;
}

/**
 * One root field of Query or Mutation, its arguments as variables, mostly well-typed, sometimes
 * not. `only` narrows to some root fields, `except` leaves some out.
 */
export function operationArb(
  schema: GraphQLSchema,
  ids: KnownIds,
  fields: { only?: string[]; except?: string[] } = {},
): fc.Arbitrary<Operation> {
  const roots: Array<{ kind: 'query' | 'mutation'; field: GraphQLField<unknown, unknown> }> = [];
  for (const kind of ['query', 'mutation'] as const) {
    const root = kind === 'query' ? schema.getQueryType() : schema.getMutationType();
    for (const field of Object.values(root?.getFields() ?? {})) {
      if (field.name.startsWith('_') || fields.except?.includes(field.name)) continue;
      if (!fields.only || fields.only.includes(field.name)) roots.push({ kind, field });
    }
  }
  return fc.constantFrom(...roots).chain(({ kind, field }) => {
    const args = field.args;
    const named = getNamedType(field.type);
    const selection = isObjectType(named) ? ` { ${selectionOf(named)} }` : '';
    const decl = args.map((a) => `$${a.name}: ${a.type.toString()}`).join(', ');
    const use = args.map((a) => `${a.name}: $${a.name}`).join(', ');
    const query = `${kind}${decl ? `(${decl})` : ''} { ${field.name}${use ? `(${use})` : ''}${selection} }`;
    const values = fc.record(Object.fromEntries(args.map((a) => [a.name, valueFor(a.type, ids, 0)])), {
      requiredKeys: [],
    });
    return values.map((variables) => ({ query, variables, mutation: kind === 'mutation', field: field.name }));
  });
}

export interface Answer {
  status: number;
  body: { data?: Record<string, unknown> | null; errors?: Array<{ message: string; extensions?: { code?: string } }> };
}

/** Throws unless the answer is a client error with a contract code, or data: never a 5xx, never an internal error. */
export async function expectClientAnswer(res: Response, what: string): Promise<Answer> {
  const text = await res.text();
  if (res.status >= 500) throw new Error(`${what}: HTTP ${res.status}: ${text.slice(0, 400)}`);
  let body: Answer['body'];
  try {
    body = JSON.parse(text) as Answer['body'];
  } catch {
    // Only non-GraphQL answers (a CORS preflight's 204, 405 for a method, 415 for a media type) may be something else than JSON.
    if (res.status >= 400 || res.status === 204) return { status: res.status, body: {} };
    throw new Error(`${what}: HTTP ${res.status} with a body that is not JSON: ${text.slice(0, 200)}`);
  }
  for (const e of body.errors ?? []) {
    const code = e.extensions?.code;
    if (!code || !CLIENT_CODES.has(code)) {
      throw new Error(`${what}: error code ${code ?? '(none)'} is not a client error: ${e.message.slice(0, 300)}`);
    }
  }
  if (!body.errors?.length && body.data === undefined) throw new Error(`${what}: neither data nor errors`);
  return { status: res.status, body };
}

const TENANT_COLLECTIONS = ['candidates', 'jobs', 'applications', 'assessments'];

/** A fingerprint of everything a tenant owns, over every subgraph's database. */
export async function tenantDigest(dbs: Db[], tenantId: string): Promise<string> {
  const hash = createHash('sha256');
  const tid = new ObjectId(tenantId);
  for (const db of dbs) {
    for (const name of TENANT_COLLECTIONS) {
      const docs = await db.collection(name).find({ tenantId: tid }).sort({ _id: 1 }).toArray();
      hash.update(`${db.databaseName}.${name}:${JSON.stringify(docs)}`);
    }
    hash.update(JSON.stringify(await db.collection('tenants').findOne({ _id: tid })));
  }
  return hash.digest('hex');
}
