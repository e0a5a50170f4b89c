import type { FetchDataRewrite, FetchNode, PlanNode, QueryPlan, QueryPlanSelectionNode } from '@apollo/query-planner';
import { Kind, parse, print, visit, type FieldNode, type InlineFragmentNode, type SelectionNode } from 'graphql';
import type { PlanningSupergraph } from './planning-supergraph';

/**
 * A plan made over the planning supergraph (planning-supergraph.ts), made right for the subgraphs:
 * - a synthetic field a fetch selects is sent as an alias of the real field with its arguments
 *   (`price__hg_requires_0: price(currency: "USD")`), so the answer holds it apart from the real one;
 * - in a representation, a synthetic field is renamed to the real field the subgraph expects;
 * - an entity fetch whose fields require one field with different arguments (two values for one
 *   key of the representation) is split into fetches, run in parallel, each with one of the values.
 * Plans without synthetic fields come back unchanged.
 */
export function fixPlan(plan: QueryPlan, planning: PlanningSupergraph): QueryPlan {
  if (planning.synthetic.size === 0 || !plan.node) return plan;
  if (plan.node.kind === 'Subscription')
    return {
      ...plan,
      node: {
        ...plan.node,
        primary: fixFetch(plan.node.primary, planning) as FetchNode,
        rest: fixNode(plan.node.rest, planning),
      },
    };
  return { ...plan, node: fixNode(plan.node, planning) };
}

function fixNode(node: PlanNode, planning: PlanningSupergraph): PlanNode;
function fixNode(node: PlanNode | undefined, planning: PlanningSupergraph): PlanNode | undefined;
function fixNode(node: PlanNode | undefined, planning: PlanningSupergraph): PlanNode | undefined {
  if (!node) return node;
  switch (node.kind) {
    case 'Sequence':
    case 'Parallel':
      return { ...node, nodes: node.nodes.map((n) => fixNode(n, planning)) };
    case 'Flatten':
      return { ...node, node: fixNode(node.node, planning) };
    case 'Condition':
      return {
        ...node,
        ifClause: fixNode(node.ifClause, planning),
        elseClause: fixNode(node.elseClause, planning),
      };
    case 'Fetch':
      return fixFetch(node, planning);
    default:
      return node;
  }
}

function fixFetch(node: FetchNode, planning: PlanningSupergraph): PlanNode {
  const synthetic = (text: string) => text.includes('__hg_requires_');
  if (!synthetic(node.operation) && !(node.requires && synthetic(JSON.stringify(node.requires)))) return node;
  const renames: FetchDataRewrite[] = [];
  if (node.requires) representationRenames(node.requires, [], planning, renames);
  const fixed: FetchNode = {
    ...node,
    operation: aliasSynthetic(node.operation, planning),
    operationDocumentNode: undefined,
    inputRewrites: renames.length ? [...(node.inputRewrites ?? []), ...renames] : node.inputRewrites,
  };
  const groups = node.requires ? conflictFreeGroups(node, renames, planning) : undefined;
  if (!groups) return fixed;
  return { kind: 'Parallel', nodes: groups.map((fields) => onlyFields(fixed, fields)) };
}

/** The operation with each synthetic field selected as an alias of its real field and arguments. */
function aliasSynthetic(operation: string, planning: PlanningSupergraph): string {
  return print(
    visit(parse(operation, { noLocation: true }), {
      Field(field) {
        const real = planning.synthetic.get(field.name.value);
        if (!real || field.alias) return undefined;
        return { ...field, alias: field.name, name: { kind: Kind.NAME, value: real.field }, arguments: real.arguments };
      },
    }),
  );
}

/** A KeyRenamer for each synthetic field of a representation: the subgraph reads the real name. */
function representationRenames(
  selections: readonly QueryPlanSelectionNode[],
  path: string[],
  planning: PlanningSupergraph,
  out: FetchDataRewrite[],
): void {
  for (const s of selections) {
    if (s.kind === 'InlineFragment') {
      representationRenames(s.selections, [...path, `... on ${s.typeCondition ?? ''}`], planning, out);
      continue;
    }
    const real = planning.synthetic.get(s.name);
    if (real) out.push({ kind: 'KeyRenamer', path: [...path, s.name], renameKeyTo: real.field });
    if (s.selections) representationRenames(s.selections, [...path, s.alias ?? s.name], planning, out);
  }
}

/**
 * When two synthetic fields of the representation become the same key, the entity fields of the
 * fetch are grouped so that no group needs both: each group's fields, by their @requires; the
 * fields that require none of them go in the first. Undefined when there is no such clash.
 */
function conflictFreeGroups(
  node: FetchNode,
  renames: readonly FetchDataRewrite[],
  planning: PlanningSupergraph,
): Set<string>[][] | undefined {
  const target = new Map<string, string>();
  for (const r of renames) if (r.kind === 'KeyRenamer') target.set(r.path[r.path.length - 1]!, keyOf(r));
  if (new Set(target.values()).size === target.size) return undefined;
  const groups: { fields: Set<string>[]; keys: Map<string, string> }[] = [];
  for (const { type, field } of entityFields(node.operation)) {
    const needs = planning.requiresOf.get(`${node.serviceName}\n${type}\n${field}`) ?? new Set<string>();
    let group = groups.find((g) =>
      [...needs].every((n) => !target.has(n) || [...g.keys].every(([m, key]) => m === n || key !== target.get(n))),
    );
    if (!group) groups.push((group = { fields: [], keys: new Map() }));
    group.fields.push(new Set([`${type}.${field}`, ...needs]));
    for (const n of needs) if (target.has(n)) group.keys.set(n, target.get(n)!);
  }
  return groups.map((g) => g.fields);
}

function keyOf(r: FetchDataRewrite & { kind: 'KeyRenamer' }): string {
  return [...r.path.slice(0, -1), r.renameKeyTo].join('.');
}

/** The fields an entity fetch selects on each type of `_entities`. */
function entityFields(operation: string): { type: string; field: string }[] {
  const out: { type: string; field: string }[] = [];
  for (const f of entitySelections(parse(operation, { noLocation: true })))
    for (const s of f.selectionSet.selections)
      if (s.kind === Kind.FIELD) out.push({ type: f.typeCondition?.name.value ?? '', field: s.name.value });
  return out;
}

function entitySelections(doc: ReturnType<typeof parse>): InlineFragmentNode[] {
  const out: InlineFragmentNode[] = [];
  visit(doc, {
    Field(field) {
      if (field.name.value !== '_entities') return undefined;
      for (const s of field.selectionSet?.selections ?? []) if (s.kind === Kind.INLINE_FRAGMENT) out.push(s);
      return false;
    },
  });
  return out;
}

/**
 * The fetch cut to one group: its entity fields (`Type.field`) and, in the representation, only the
 * synthetic fields the group's @requires name.
 */
function onlyFields(node: FetchNode, group: Set<string>[]): FetchNode {
  const fields = new Set<string>();
  const synthetic = new Set<string>();
  for (const g of group) for (const name of g) (name.includes('.') ? fields : synthetic).add(name);
  const operation = visit(parse(node.operation, { noLocation: true }), {
    InlineFragment(fragment, _k, _p, _path, ancestors) {
      // Its ancestors end with the `_entities` field and its selection set.
      const parent = ancestors[ancestors.length - 2] as FieldNode | undefined;
      if (parent?.kind !== Kind.FIELD || parent.name.value !== '_entities') return undefined;
      const type = fragment.typeCondition?.name.value ?? '';
      const kept = fragment.selectionSet.selections.filter(
        (s: SelectionNode) => s.kind !== Kind.FIELD || fields.has(`${type}.${s.name.value}`),
      );
      return kept.length ? { ...fragment, selectionSet: { ...fragment.selectionSet, selections: kept } } : null;
    },
  });
  const keep = (name: string) => !name.includes('__hg_requires_') || synthetic.has(name);
  return {
    ...node,
    operation: print(operation),
    requires: node.requires && cut(node.requires, keep),
    inputRewrites: node.inputRewrites?.filter((r) => r.kind !== 'KeyRenamer' || keep(r.path[r.path.length - 1]!)),
  };
}

/** The representation's selections without the synthetic fields `keep` refuses (nor fields left empty). */
function cut(selections: readonly QueryPlanSelectionNode[], keep: (name: string) => boolean): QueryPlanSelectionNode[] {
  const out: QueryPlanSelectionNode[] = [];
  for (const s of selections) {
    if (s.kind === 'Field' && !keep(s.name)) continue;
    if (!s.selections) {
      out.push(s);
      continue;
    }
    const selections = cut(s.selections, keep);
    if (selections.length) out.push({ ...s, selections });
  }
  return out;
}
