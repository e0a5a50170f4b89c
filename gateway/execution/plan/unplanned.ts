import type { PlanNode, QueryPlan } from '@apollo/query-planner';
import { Kind, parse, type DocumentNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';
import { errors } from '../../../shared/errors';
import { operationOf } from './operation';

/**
 * Refuses an operation with a root field that no fetch of its plan asks for. Apollo's planner drops
 * a field whose selection it cannot reach in any subgraph when the field's abstract type has no
 * implementation in the supergraph (non-resolvable-interface-object: `a { field }`, `Node.field`
 * only in a subgraph whose `Node` is a non-resolvable @interfaceObject): the plan is empty and the
 * answer a silent `null`, where the field cannot be resolved at all. The audit expects, as other
 * planners give, a planning error. A field left out by a constant @skip/@include is not asked for.
 */
export function assertRootFieldsPlanned(plan: QueryPlan, document: DocumentNode, operationName?: string): void {
  const definition = operationOf(document, operationName);
  if (definition.operation === 'subscription') return;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const asked = new Map<string, string>();
  rootFields(definition.selectionSet, fragments, asked);
  if (asked.size === 0) return;
  const fetched = new Set<string>();
  if (plan.node && plan.node.kind !== 'Subscription') rootFetches(plan.node, fetched);
  for (const [responseName, name] of asked)
    if (!fetched.has(responseName))
      // The supergraph's fault, not the caller's: an internal error (its message hidden in production).
      throw errors.internal(
        `expected a subgraph that resolves root field "${name}" as selected, but the query plan fetches it from none`,
      );
}

/** Response name → field name of the root fields (not `__`-prefixed) a selection set asks for. */
function rootFields(
  set: SelectionSetNode,
  fragments: Map<string, FragmentDefinitionNode>,
  out: Map<string, string>,
): void {
  for (const sel of set.selections) {
    if (constantlySkipped(sel.directives)) continue;
    if (sel.kind === Kind.FIELD) {
      if (!sel.name.value.startsWith('__')) out.set(sel.alias?.value ?? sel.name.value, sel.name.value);
    } else if (sel.kind === Kind.INLINE_FRAGMENT) {
      rootFields(sel.selectionSet, fragments, out);
    } else {
      const fragment = fragments.get(sel.name.value);
      if (fragment) rootFields(fragment.selectionSet, fragments, out);
    }
  }
}

function constantlySkipped(directives: SelectionSetNode['selections'][number]['directives']): boolean {
  for (const d of directives ?? []) {
    const value = d.arguments?.find((a) => a.name.value === 'if')?.value;
    if (value?.kind !== Kind.BOOLEAN) continue;
    if ((d.name.value === 'skip' && value.value) || (d.name.value === 'include' && !value.value)) return true;
  }
  return false;
}

/** The response names the plan's root fetches (those not under a Flatten below the root) select. */
function rootFetches(node: PlanNode, out: Set<string>): void {
  switch (node.kind) {
    case 'Sequence':
    case 'Parallel':
      for (const n of node.nodes) rootFetches(n, out);
      return;
    case 'Condition':
      if (node.ifClause) rootFetches(node.ifClause, out);
      if (node.elseClause) rootFetches(node.elseClause, out);
      return;
    case 'Flatten':
      // A deferred part at the root is a fetch flattened at the empty path.
      if (node.path.length === 0) rootFetches(node.node, out);
      return;
    case 'Defer':
      if (node.primary.node) rootFetches(node.primary.node, out);
      for (const d of node.deferred) if (d.node) rootFetches(d.node, out);
      return;
    case 'Fetch': {
      if (node.requires) return;
      const doc = parse(node.operation, { noLocation: true });
      const fragments = new Map<string, FragmentDefinitionNode>();
      for (const d of doc.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
      const names = new Map<string, string>();
      for (const d of doc.definitions)
        if (d.kind === Kind.OPERATION_DEFINITION) rootFields(d.selectionSet, fragments, names);
      for (const name of names.keys()) out.add(name);
      return;
    }
    default:
      return;
  }
}
