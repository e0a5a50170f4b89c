import { GraphQLScalarType, Kind } from 'graphql';
import { errors } from '../errors';

/** DateTime: ISO-8601 in UTC on the wire, Date in resolvers. */
export const DateTime = new GraphQLScalarType({
  name: 'DateTime',
  description: 'An ISO-8601 date-time in UTC, e.g. 2026-01-31T09:30:00.000Z',
  serialize(value) {
    const d = value instanceof Date ? value : new Date(value as string);
    if (Number.isNaN(d.getTime())) throw errors.internal(`cannot serialize ${String(value)} as DateTime`);
    return d.toISOString();
  },
  parseValue(value) {
    const d = typeof value === 'string' ? new Date(value) : new Date(NaN);
    if (Number.isNaN(d.getTime()))
      throw errors.badInput(`expected an ISO-8601 date-time, received ${JSON.stringify(value)}`);
    return d;
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw errors.badInput('expected an ISO-8601 date-time string');
    const d = new Date(ast.value);
    if (Number.isNaN(d.getTime())) throw errors.badInput(`expected an ISO-8601 date-time, received "${ast.value}"`);
    return d;
  },
});
