import type { ApolloServerOptionsWithGateway, BaseContext } from '@apollo/server';
import {
  execute,
  GraphQLError,
  Kind,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  BREAK,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLSchema,
} from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';

type Gateway = ApolloServerOptionsWithGateway<BaseContext>['gateway'];
/**
 * How one operation runs: compiled, graphql-jit's errors for it, or graphql-js (see below);
 * `once` until it comes a second time.
 */
type Execution = CompiledQuery | ExecutionResult | 'graphql-js' | 'once';

/**
 * Apollo Server's seam for an executor of one's own (its gateway interface), serving `schema`
 * with graphql-jit: each operation is compiled once into a function that walks its selection set
 * directly, instead of graphql-js interpreting the document for every request (per-field argument
 * lookups, paths, a promise per object). Apollo still parses, validates and caches the document,
 * runs every plugin and formats errors; only execution changes. A compiled operation is kept with
 * the parsed document Apollo reuses for the same text, so it lives as long as that document does.
 * An operation is compiled when it comes a second time: the gateway sends the same few texts over
 * and over, while a caller sending a new text every time (the subgraphs take tokens directly
 * too) would otherwise make the server generate and compile code for each one.
 *
 * Resolvers are bound at compile time. Apollo's per-field hooks (`willResolveField`: inline traces,
 * cache control) work by wrapping the schema's resolvers in place at the first request that has
 * them, which code compiled before would not call: a server with such plugins must not use this
 * (subgraphs turn both off, shared/graphql/apollo.ts).
 */
export function compiledExecution(schema: GraphQLSchema): Gateway {
  const executions = new WeakMap<DocumentNode, Map<string | null, Execution>>();
  const executionOf = (document: DocumentNode, operationName: string | null): Execution => {
    let byName = executions.get(document);
    if (!byName) executions.set(document, (byName = new Map()));
    const known = byName.get(operationName);
    const found: Execution =
      known === undefined
        ? 'once'
        : known !== 'once'
          ? known
          : variablesInsideScalars(schema, document)
            ? 'graphql-js'
            : compileQuery(schema, document, operationName ?? undefined);
    if (found !== known) byName.set(operationName, found);
    return found;
  };
  return {
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: '' });
      return () => undefined;
    },
    async load() {
      return {
        executor: async ({ document, operationName, request, context }) => {
          const run = executionOf(document, operationName);
          const variableValues = request.variables ?? {};
          if (run === 'graphql-js' || run === 'once')
            return execute({ schema, document, operationName, contextValue: context, variableValues });
          // compileQuery answers errors instead of a function for an operation it cannot compile.
          if (!isCompiledQuery(run)) return run;
          const result = await run.query(undefined, context, variableValues);
          if (!result.errors) return result;
          // No data at all: the variables were refused before anything ran. graphql-js words that
          // refusal as Apollo expects (it answers BAD_USER_INPUT for variable errors it recognises).
          if (!('data' in result))
            return execute({ schema, document, operationName, contextValue: context, variableValues });
          return { ...result, errors: result.errors.map(asGraphQLError) };
        },
      };
    },
    async stop() {},
  };
}

/**
 * Whether a variable sits inside a custom scalar's literal, as in `_entities(representations:
 * [{ __typename: "Job", id: $id }])`. graphql-jit reads literals when it compiles, before any
 * variable has a value, and would pass that field as undefined; graphql-js reads them per request.
 * Gateways send representations as a variable of their own, so only hand-written operations do this.
 */
function variablesInsideScalars(schema: GraphQLSchema, document: DocumentNode): boolean {
  const types = new TypeInfo(schema);
  let found = false;
  visit(
    document,
    visitWithTypeInfo(types, {
      Variable(_node, _key, parent) {
        // A variable's own definition has no input type; a use inside a scalar's literal has none either.
        if (!types.getInputType() && (parent as { kind?: string } | undefined)?.kind !== Kind.VARIABLE_DEFINITION) {
          found = true;
          return BREAK;
        }
        return undefined;
      },
    }),
  );
  return found;
}

/**
 * graphql-jit's errors pass for graphql-js's GraphQLError (same prototype) but lack `extensions`
 * where no resolver error gave any, and Apollo Server formats from it; such an error becomes
 * graphql-js's own, with the same message, path and locations.
 */
function asGraphQLError(error: GraphQLError): GraphQLError {
  if (error.extensions) return error;
  const { path, locations, originalError } = error;
  const converted = new GraphQLError(error.message, { path, originalError });
  return locations ? Object.assign(converted, { locations }) : converted;
}
