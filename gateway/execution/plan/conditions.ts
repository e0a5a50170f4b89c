import {
  Kind,
  valueFromASTUntyped,
  visit,
  type DirectiveNode,
  type DocumentNode,
  type OperationDefinitionNode,
  type SelectionNode,
} from 'graphql';

/** The values of the variables an operation's @skip and @include read, defaults applied. */
export type ConditionValues = Readonly<Record<string, boolean>>;

/** The variables named by `if:` of @skip and @include anywhere in the document. */
export function conditionVariables(document: DocumentNode): string[] {
  const names = new Set<string>();
  visit(document, {
    Directive(node) {
      if (node.name.value !== 'skip' && node.name.value !== 'include') return;
      const arg = node.arguments?.find((a) => a.name.value === 'if');
      if (arg?.value.kind === Kind.VARIABLE) names.add(arg.value.name.value);
    },
  });
  return [...names];
}

/** A variable's value as the request gives it, else its definition's default. */
export function variableValue(
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>> | undefined,
  name: string,
): unknown {
  const given = variables && Object.hasOwn(variables, name) ? variables[name] : undefined;
  if (given !== undefined) return given;
  const def = operation.variableDefinitions?.find((d) => d.variable.name.value === name)?.defaultValue;
  return def ? valueFromASTUntyped(def) : undefined;
}

export function conditionValues(
  operation: OperationDefinitionNode,
  names: readonly string[],
  variables: Readonly<Record<string, unknown>> | undefined,
): ConditionValues {
  const values: Record<string, boolean> = {};
  for (const name of names) values[name] = variableValue(operation, variables, name) === true;
  return values;
}

/** Whether @skip or @include leaves this selection out. */
export function isSkipped(selection: SelectionNode, values: ConditionValues): boolean {
  const directives = selection.directives;
  if (!directives || directives.length === 0) return false;
  for (const d of directives) {
    if (d.name.value === 'skip' && ifOf(d, values)) return true;
    if (d.name.value === 'include' && !ifOf(d, values)) return true;
  }
  return false;
}

function ifOf(directive: DirectiveNode, values: ConditionValues): boolean {
  const arg = directive.arguments?.find((a) => a.name.value === 'if')?.value;
  if (!arg) return false;
  if (arg.kind === Kind.BOOLEAN) return arg.value;
  return arg.kind === Kind.VARIABLE && values[arg.name.value] === true;
}
