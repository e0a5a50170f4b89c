import { GraphQLError } from 'graphql';
import { ErrorCode, errors, refusalStatus } from '../../shared/errors';

test('every registry error carries the HTTP status of a request it refuses', () => {
  expect(refusalStatus(errors.badInput('expected x'))).toBe(400);
  expect(refusalStatus(errors.unauthenticated('expected a token'))).toBe(401);
  expect(refusalStatus(errors.forbidden('expected a role'))).toBe(403);
  expect(refusalStatus(errors.notFound('Job', '1'))).toBe(404);
  expect(refusalStatus(errors.conflict('changed'))).toBe(409);
  expect(refusalStatus(errors.rateLimited('slow down', 3))).toBe(429);
  expect(refusalStatus(errors.tooExpensive(2000, 1000))).toBe(400);
  expect(refusalStatus(errors.responseTooLarge(2000, 1000))).toBe(400);
  expect(refusalStatus(errors.invalidOperation('no'))).toBe(400);
  expect(refusalStatus(errors.badRequest('use graphql-ws'))).toBe(400);
  expect(refusalStatus(errors.internal())).toBe(500);
  for (const code of Object.values(ErrorCode))
    expect([code, refusalStatus(new GraphQLError('x', { extensions: { code } }))]).toEqual([code, expect.any(Number)]);
});

test('an error without a registered code has no status of the registry (Apollo answers 500, or its own)', () => {
  expect(refusalStatus(new Error('boom'))).toBeUndefined();
  expect(refusalStatus(new GraphQLError('x', { extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }))).toBeUndefined();
  expect(refusalStatus(null)).toBeUndefined();
});
