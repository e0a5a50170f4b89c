import {
  executeSync,
  getNamedType,
  isCompositeType,
  type DocumentNode,
  type GraphQLFieldResolver,
  type GraphQLSchema,
  type OperationTypeNode,
} from 'graphql';
import { argumentsCost, OPERATION_BASE, type CostDirectives } from './cost-model';

/** Items of a (possibly nested) list that are not null. */
function items(value: unknown): number {
  if (value === null || value === undefined) return 0;
  return Array.isArray(value) ? value.reduce((n: number, v) => n + items(v), 0) : 1;
}

/**
 * The actual cost of an answer: the estimate's weights applied to what came back instead of to
 * declared sizes. Each object returned counts its weight (1 unless `@cost` says otherwise), a list
 * counts the items it holds, arguments count once per field, plus the operation's base cost.
 * Operators compare it with the estimate to tune `@listSize` and the limits.
 *
 * graphql-js re-executes the operation over the response data with a resolver that only reads
 * and weighs, so fragments, aliases, merged fields and @skip/@include count exactly as they were
 * answered.
 */
export function actualCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | undefined,
  operationType: OperationTypeNode,
  variables: Record<string, unknown> | undefined,
  data: Record<string, unknown>,
  directives: CostDirectives,
): number {
  let sum = OPERATION_BASE[operationType];
  const weigh: GraphQLFieldResolver<Record<string, unknown>, unknown> = (source, args, _ctx, info) => {
    const value = source[String(info.path.key)];
    if (info.fieldName.startsWith('__')) return value;
    const named = getNamedType(info.returnType);
    const weight =
      directives.fieldWeight.get(`${info.parentType.name}.${info.fieldName}`) ??
      directives.typeWeight.get(named.name) ??
      (isCompositeType(named) ? 1 : 0);
    const def = info.parentType.getFields()[info.fieldName];
    sum += weight * items(value) + (def ? argumentsCost(def.args, args) : 0);
    return value;
  };
  executeSync({
    schema,
    document,
    operationName,
    variableValues: variables,
    rootValue: data,
    fieldResolver: weigh,
  });
  return sum;
}
