import {
  BREAK,
  Kind,
  getNamedType,
  isCompositeType,
  parse,
  visit,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { typeConditionOf } from './rewrites';

/*
 * What shaping a deferred operation's parts needs beyond the whole operation's shaping: the
 * planner gives each part as a `subselection` text at a `queryPath` of response names (and
 * `... on Type` steps); the part is shaped as that selection set on the type found at that path.
 */

const withDefer = new WeakMap<DocumentNode, boolean>();

/** Whether a document uses @defer anywhere (known once per document). */
export function hasDefer(document: DocumentNode): boolean {
  let found = withDefer.get(document);
  if (found === undefined) {
    found = false;
    visit(document, {
      Directive(node) {
        if (node.name.value !== 'defer') return undefined;
        found = true;
        return BREAK;
      },
    });
    withDefer.set(document, found);
  }
  return found;
}

/** A planner's subselection text (`{ a b { c } }`) as a selection set; none for an empty part. */
export function parseSubselection(text: string | undefined): SelectionSetNode | undefined {
  if (!text) return undefined;
  const definition = parse(text, { noLocation: true }).definitions[0];
  return definition?.kind === Kind.OPERATION_DEFINITION ? definition.selectionSet : undefined;
}

/**
 * The type at a plan's query path, read from the operation: each response name is found in the
 * selection sets reached so far (fragments included), its field looked up on the type that
 * declares it (a fragment's condition, else the parent).
 */
export function typeAtPath(
  schema: GraphQLSchema,
  definition: OperationDefinitionNode,
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
  root: GraphQLCompositeType,
  path: readonly string[],
): GraphQLCompositeType {
  let type = root;
  let sets: SelectionSetNode[] = [definition.selectionSet];
  for (const step of path) {
    const condition = typeConditionOf(step);
    if (condition !== undefined) {
      const named = schema.getType(condition);
      if (!named || !isCompositeType(named)) throw new Error(`Unknown type in deferred path: ${step}`);
      type = named;
      continue;
    }
    const found: { parent: GraphQLCompositeType; node: FieldNode }[] = [];
    for (const set of sets) collect(schema, fragments, set, step, type, found);
    let next: GraphQLCompositeType | undefined;
    for (const { parent, node } of found) {
      const def = 'getFields' in parent ? parent.getFields()[node.name.value] : undefined;
      const named = def ? getNamedType(def.type) : undefined;
      if (named && isCompositeType(named)) {
        next = named;
        break;
      }
    }
    if (!next) throw new Error(`No object field "${step}" on the deferred path ${path.join('.')}`);
    type = next;
    sets = found.flatMap((f) => (f.node.selectionSet ? [f.node.selectionSet] : []));
  }
  return type;
}

function collect(
  schema: GraphQLSchema,
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
  set: SelectionSetNode,
  responseName: string,
  parent: GraphQLCompositeType,
  out: { parent: GraphQLCompositeType; node: FieldNode }[],
): void {
  for (const sel of set.selections) {
    if (sel.kind === Kind.FIELD) {
      if ((sel.alias?.value ?? sel.name.value) === responseName) out.push({ parent, node: sel });
      continue;
    }
    const fragment = sel.kind === Kind.FRAGMENT_SPREAD ? fragments[sel.name.value] : sel;
    if (!fragment) continue;
    const condition = fragment.typeCondition ? schema.getType(fragment.typeCondition.name.value) : undefined;
    const inner = condition && isCompositeType(condition) ? condition : parent;
    collect(schema, fragments, fragment.selectionSet, responseName, inner, out);
  }
}
