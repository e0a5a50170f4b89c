import {
  Kind,
  getNamedType,
  isAbstractType,
  isEnumType,
  isListType,
  isNonNullType,
  isObjectType,
  parse,
  type FieldNode,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';

/** A small deterministic PRNG (mulberry32): the same seed, the same answers. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A string's 32-bit hash, to seed each subgraph call by what it asks. */
export function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

export interface RandomAnswerOptions {
  /** How often a value breaks its type: a null where non-null, an unknown enum value, a wrong scalar, an unknown __typename. */
  faults: number;
}

/**
 * A subgraph's answer to one of the planner's operations, made up from the subgraph's schema:
 * every selected field (aliases kept), lists of 0–3 items, an abstract type as one of its object
 * types, `_entities` one per representation of its `__typename`; with `faults`, values a real
 * subgraph should not send. Deterministic in `random`.
 */
export function randomAnswer(
  schema: GraphQLSchema,
  operation: string,
  variables: Record<string, unknown> | undefined,
  random: () => number,
  opts: RandomAnswerOptions,
): Record<string, unknown> {
  const doc = parse(operation);
  const op = doc.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (!op || op.kind !== Kind.OPERATION_DEFINITION) throw new Error(`expected an operation, received ${operation}`);
  const root = schema.getRootType(op.operation)!;
  const fault = () => random() < opts.faults;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

  const objectOf = (type: GraphQLObjectType, set: SelectionSetNode, typename?: string): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    const visit = (s: SelectionSetNode) => {
      for (const sel of s.selections) {
        if (sel.kind === Kind.FIELD) field(type, sel, out, typename);
        else if (sel.kind === Kind.INLINE_FRAGMENT) {
          const on = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : type;
          if (on === type || (on && isAbstractType(on) && schema.isSubType(on, type))) visit(sel.selectionSet);
        }
      }
    };
    visit(set);
    return out;
  };

  const field = (parent: GraphQLObjectType, node: FieldNode, out: Record<string, unknown>, typename?: string) => {
    const key = node.alias?.value ?? node.name.value;
    if (node.name.value === '__typename') {
      out[key] = fault() ? 'Ghost' : (typename ?? parent.name);
      return;
    }
    if (node.name.value === '_entities') {
      const reps = (variables?.representations ?? []) as Array<{ __typename: string }>;
      out[key] = reps.map((r) => {
        if (fault()) return null;
        const type = schema.getType(r.__typename);
        return isObjectType(type) ? objectOf(type, node.selectionSet!, r.__typename) : null;
      });
      return;
    }
    const def = parent.getFields()[node.name.value];
    if (!def) return;
    out[key] = value(def.type, node.selectionSet);
  };

  const value = (type: GraphQLOutputType, set: SelectionSetNode | undefined, nullable = true): unknown => {
    if (isNonNullType(type)) return fault() ? null : value(type.ofType, set, false);
    if (nullable && random() < 0.12) return null;
    if (isListType(type)) return Array.from({ length: Math.floor(random() * 4) }, () => value(type.ofType, set));
    const named = getNamedType(type);
    if (isEnumType(named)) return fault() ? 'NOT_A_VALUE' : pick(named.getValues()).name;
    if (isObjectType(named)) return objectOf(named, set!);
    if (isAbstractType(named)) {
      const concrete = pick(schema.getPossibleTypes(named));
      return objectOf(concrete, set!);
    }
    if (fault()) return { not: 'a scalar' };
    switch (named.name) {
      case 'Int':
        return Math.floor(random() * 100);
      case 'Float':
        return Math.round(random() * 1000) / 10;
      case 'Boolean':
        return random() < 0.5;
      default:
        return `s${Math.floor(random() * 1000)}`;
    }
  };

  return objectOf(root, op.selectionSet);
}
