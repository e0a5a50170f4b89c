import {
  Kind,
  parse,
  print,
  visit,
  type ArgumentNode,
  type ConstDirectiveNode,
  type DocumentNode,
  type FieldDefinitionNode,
  type ObjectTypeDefinitionNode,
  type InterfaceTypeDefinitionNode,
  type SelectionSetNode,
  type TypeNode,
} from 'graphql';

/**
 * The supergraph as the query planner is given it: the same graph, rewritten around two faults of
 * Apollo's planner (2.14) that the federation audit shows. Clients never see this schema: the API
 * schema, validation and shaping are the original supergraph's.
 *
 * 1. A @requires whose fields take arguments (`price(currency: "USD")`). The planner merges selections
 *    by response name, arguments ignored: two @requires asking `price` with different arguments, or
 *    a @requires and the client's own `comments(limit: 1)`, collapse into one field with one of the
 *    argument lists, and some answer is computed from the wrong value. Each such field of a field set
 *    becomes a synthetic field without arguments (`price__hg_requires_0`), resolved where the real
 *    one is, so the planner keeps it apart; plan-fixes.ts sends it to the subgraph as an alias of the
 *    real field with its arguments, and renames it back in the representation.
 * 2. After a @requires the planner re-enters the subgraph by the first of its keys with no external
 *    field, even one declared `resolvable: false` (keys-mashup): the subgraph cannot resolve it. The
 *    non-resolvable keys are moved after the resolvable ones; the planner's other uses of keys read
 *    only resolvable ones, whose order is kept.
 */
export interface PlanningSupergraph {
  sdl: string;
  /** Synthetic field name → the real field and the arguments it stands for. */
  synthetic: Map<string, { field: string; arguments: readonly ArgumentNode[] }>;
  /** `graph\ntype\nfield` → the synthetic fields that field's @requires in that graph selects. */
  requiresOf: Map<string, Set<string>>;
}

const PREFIX = '__hg_requires_';

type TypeDef = ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode;

export function planningSupergraph(supergraphSdl: string): PlanningSupergraph {
  const doc = parse(supergraphSdl);
  const types = new Map<string, TypeDef>();
  for (const d of doc.definitions)
    if (d.kind === Kind.OBJECT_TYPE_DEFINITION || d.kind === Kind.INTERFACE_TYPE_DEFINITION) types.set(d.name.value, d);
  const synthetic: PlanningSupergraph['synthetic'] = new Map();
  const byArguments = new Map<string, { parent: string; name: string; field: string }>();
  const requiresOf: PlanningSupergraph['requiresOf'] = new Map();
  const graphNames = subgraphNames(doc);

  /** A field set with each field that takes arguments replaced by its synthetic field. */
  const rewriteFieldSet = (parent: string, fieldSet: string, used: Set<string>): string => {
    const set = parseFieldSet(fieldSet);
    let changed = false;
    const out = mapFields(set, parent, types, (node, parentType) => {
      if (!node.arguments?.length) return node;
      const key = `${parentType}\n${print({ ...node, selectionSet: undefined })}`;
      let found = byArguments.get(key);
      if (!found) {
        found = { parent: parentType, name: `${node.name.value}${PREFIX}${byArguments.size}`, field: node.name.value };
        byArguments.set(key, found);
        synthetic.set(found.name, { field: node.name.value, arguments: node.arguments });
      }
      used.add(found.name);
      changed = true;
      return { ...node, name: { kind: Kind.NAME, value: found.name }, arguments: [] };
    });
    return changed ? printFieldSet(out) : fieldSet;
  };

  let rewritten = visit(doc, {
    FieldDefinition: {
      leave(field, _k, _p, path) {
        const parent = parentOf(path, doc);
        if (!types.has(parent.name.value)) return undefined;
        let changed = false;
        const directives = field.directives?.map((d) => {
          const requires = joinFieldArgument(d, 'requires');
          if (!requires) return d;
          const used = new Set<string>();
          const fieldSet = rewriteFieldSet(parent.name.value, requires, used);
          if (used.size === 0) return d;
          requiresOf.set(
            `${graphNames.get(joinFieldArgument(d, 'graph') ?? '')}\n${parent.name.value}\n${field.name.value}`,
            used,
          );
          changed = true;
          return withArgument(d, 'requires', fieldSet);
        });
        // Unchanged fields stay the same nodes: a supergraph with nothing to rewrite is planned as given.
        return changed ? { ...field, directives } : undefined;
      },
    },
    ObjectTypeDefinition: { leave: (type) => resolvableKeysFirst(type) },
    InterfaceTypeDefinition: { leave: (type) => resolvableKeysFirst(type) },
  });
  if (synthetic.size === 0 && rewritten === doc) return { sdl: supergraphSdl, synthetic, requiresOf };

  // Each synthetic field: the real one without arguments, resolved and @external where it is.
  const added = new Map<string, FieldDefinitionNode[]>();
  rewritten = visit(rewritten, {
    FieldDefinition(field, _k, _p, path) {
      const parent = parentOf(path, rewritten);
      for (const s of byArguments.values()) {
        if (s.parent !== parent.name.value || s.field !== field.name.value) continue;
        const copies = added.get(s.parent) ?? [];
        copies.push({ ...field, name: { kind: Kind.NAME, value: s.name }, arguments: [] });
        added.set(s.parent, copies);
      }
      return undefined;
    },
  });
  const withCopies = (type: TypeDef): TypeDef => ({
    ...type,
    fields: [...(type.fields ?? []), ...(added.get(type.name.value) ?? [])],
  });
  rewritten = visit(rewritten, { ObjectTypeDefinition: withCopies, InterfaceTypeDefinition: withCopies });
  return {
    sdl: print(dropUnusedExternals(rewritten, new Set([...byArguments.values()].map((s) => s.field)))),
    synthetic,
    requiresOf,
  };
}

/** `@join__type` directives of a type with `resolvable: false` after the others, each group's order kept. */
function resolvableKeysFirst<T extends TypeDef>(type: T): T | undefined {
  const directives = type.directives ?? [];
  const unresolvable = (d: ConstDirectiveNode) =>
    d.name.value === 'join__type' &&
    d.arguments?.some((a) => a.name.value === 'resolvable' && a.value.kind === Kind.BOOLEAN && !a.value.value);
  const sorted = [...directives.filter((d) => !unresolvable(d)), ...directives.filter(unresolvable)];
  // undefined, not the same node: to graphql's visit any value returned is an edit.
  return sorted.every((d, i) => d === directives[i]) ? undefined : { ...type, directives: sorted };
}

/**
 * A real field whose every use in a subgraph's field sets became synthetic is still declared
 * @external there; the supergraph's extraction rejects an @external field that nothing uses, so
 * that subgraph's declaration goes (the synthetic copies keep theirs, used by the rewritten sets).
 */
function dropUnusedExternals(doc: DocumentNode, realFields: Set<string>): DocumentNode {
  const types = new Map<string, TypeDef>();
  for (const d of doc.definitions)
    if (d.kind === Kind.OBJECT_TYPE_DEFINITION || d.kind === Kind.INTERFACE_TYPE_DEFINITION) types.set(d.name.value, d);
  const used = new Set<string>();
  const note = (graph: string, parent: string, set: string) =>
    mapFields(
      parseFieldSet(set),
      parent,
      types,
      (node, type) => (used.add(`${graph}\n${type}\n${node.name.value}`), node),
    );
  for (const type of types.values()) {
    for (const d of type.directives ?? []) {
      const key = d.name.value === 'join__type' ? joinFieldArgument(d, 'key') : undefined;
      if (key) note(joinFieldArgument(d, 'graph')!, type.name.value, key);
    }
    for (const field of type.fields ?? [])
      for (const d of field.directives ?? []) {
        const graph = joinFieldArgument(d, 'graph');
        const requires = joinFieldArgument(d, 'requires');
        const provides = joinFieldArgument(d, 'provides');
        if (graph && requires) note(graph, type.name.value, requires);
        if (graph && provides) note(graph, namedType(field.type), provides);
      }
  }
  return visit(doc, {
    FieldDefinition(field, _k, _p, path) {
      const parent = parentOf(path, doc);
      const isTouched = realFields.has(field.name.value) || field.name.value.includes(PREFIX);
      if (!isTouched) return undefined;
      const directives = field.directives?.filter((d) => {
        const external = d.arguments?.some(
          (a) => a.name.value === 'external' && a.value.kind === Kind.BOOLEAN && a.value.value,
        );
        const graph = joinFieldArgument(d, 'graph');
        return !(
          d.name.value === 'join__field' &&
          external &&
          graph &&
          !used.has(`${graph}\n${parent.name.value}\n${field.name.value}`)
        );
      });
      return directives?.length === field.directives?.length ? undefined : { ...field, directives };
    },
  });
}

/** Applies `map` to every field of a field set, with the name of the type it is selected on. */
function mapFields(
  set: SelectionSetNode,
  parent: string,
  types: Map<string, TypeDef>,
  map: (node: import('graphql').FieldNode, parentType: string) => import('graphql').FieldNode,
): SelectionSetNode {
  return {
    ...set,
    selections: set.selections.map((sel) => {
      if (sel.kind === Kind.INLINE_FRAGMENT)
        return {
          ...sel,
          selectionSet: mapFields(sel.selectionSet, sel.typeCondition?.name.value ?? parent, types, map),
        };
      if (sel.kind !== Kind.FIELD) return sel;
      const mapped = map(sel, parent);
      if (!sel.selectionSet) return mapped;
      const def = types.get(parent)?.fields?.find((f) => f.name.value === sel.name.value);
      const child = def ? namedType(def.type) : parent;
      return { ...mapped, selectionSet: mapFields(sel.selectionSet, child, types, map) };
    }),
  };
}

/** The subgraphs' names by their values of `join__Graph`, as fetches name them. */
function subgraphNames(doc: DocumentNode): Map<string, string> {
  const names = new Map<string, string>();
  for (const d of doc.definitions)
    if (d.kind === Kind.ENUM_TYPE_DEFINITION && d.name.value === 'join__Graph')
      for (const v of d.values ?? []) {
        const name = v.directives
          ?.find((x) => x.name.value === 'join__graph')
          ?.arguments?.find((a) => a.name.value === 'name');
        if (name?.value.kind === Kind.STRING) names.set(v.name.value, name.value.value);
      }
  return names;
}

/** The type definition a visited field definition is in: its path is `definitions.i.fields.j`. */
function parentOf(path: readonly (string | number)[], root: DocumentNode): TypeDef {
  return root.definitions[path[1] as number] as TypeDef;
}

function parseFieldSet(fieldSet: string): SelectionSetNode {
  const op = parse(`{${fieldSet}}`, { noLocation: true }).definitions[0];
  if (op?.kind !== Kind.OPERATION_DEFINITION) throw new Error(`Invalid field set ${fieldSet}`);
  return op.selectionSet;
}

function printFieldSet(set: SelectionSetNode): string {
  return print(set).slice(1, -1).replace(/\s+/g, ' ').trim();
}

function namedType(type: TypeNode): string {
  return type.kind === Kind.NAMED_TYPE ? type.name.value : namedType(type.type);
}

/** A string (or enum: the graph) argument of a join directive. */
function joinFieldArgument(d: ConstDirectiveNode, name: string): string | undefined {
  if (!d.name.value.startsWith('join__')) return undefined;
  const value = d.arguments?.find((a) => a.name.value === name)?.value;
  return value?.kind === Kind.STRING || value?.kind === Kind.ENUM ? value.value : undefined;
}

function withArgument(d: ConstDirectiveNode, name: string, value: string): ConstDirectiveNode {
  return {
    ...d,
    arguments: d.arguments?.map((a) => (a.name.value === name ? { ...a, value: { kind: Kind.STRING, value } } : a)),
  };
}
