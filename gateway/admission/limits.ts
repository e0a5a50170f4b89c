import { ApolloArmor } from '@escape.tech/graphql-armor';
import { parse, specifiedRules, validate, type ParseOptions, type ValidationRule } from 'graphql';
import type { Config } from '../../shared/config';

/**
 * Operation limits from LIMIT_MAX_*: depth, aliases and directives as graphql-armor
 * validation rules; field suggestions are hidden in production so the schema cannot be guessed.
 * The token limit is graphql-js's own `maxTokens` parse option rather than armor's plugin, which
 * threw from a request hook and so turned every syntax error and token overflow into a 500:
 * as a parse option, both are what they are, parse errors (400, GRAPHQL_PARSE_FAILED).
 * The same rules guard HTTP operations and subscriptions (`parseWithLimits`, `validateWithLimits`).
 */
export function operationLimits(config: Config) {
  const armor = new ApolloArmor({
    maxDepth: { n: config.LIMIT_MAX_DEPTH, ignoreIntrospection: true },
    // Cost is demand control's (demand-control.ts): armor's rule grows with depth and ignores `first`.
    costLimit: { enabled: false },
    maxAliases: { n: config.LIMIT_MAX_ALIASES },
    maxDirectives: { n: config.LIMIT_MAX_DIRECTIVES },
    maxTokens: { enabled: false },
    blockFieldSuggestion: { enabled: config.production },
  });
  const { plugins, validationRules } = armor.protect();
  const rules: ValidationRule[] = [...specifiedRules, ...validationRules];
  const parseOptions: ParseOptions = { maxTokens: config.LIMIT_MAX_TOKENS };
  return {
    plugins,
    validationRules,
    /** Apollo Server's `parseOptions`: the token limit. */
    parseOptions,
    /** graphql-ws parsing with the same token limit. */
    parseWithLimits: (query: string) => parse(query, parseOptions),
    /** graphql-ws `validate`: the standard rules plus the limits. */
    validateWithLimits: ((schema, document) => validate(schema, document, rules)) as typeof validate,
  };
}
