import { buildSchema, parse, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import { documentCache } from '../../shared/graphql/document-cache';

const schema = buildSchema('type Query { a: Int } type Subscription { tick(n: Int): Int }');

/** documentCache with counters on what it calls. */
function counted(maxChars?: number) {
  const calls = { parse: 0, validate: 0 };
  const documentOf = documentCache({
    schema,
    maxChars,
    parse: (text) => {
      calls.parse++;
      return parse(text);
    },
    validate: (s: GraphQLSchema, d: DocumentNode) => {
      calls.validate++;
      return validate(s, d);
    },
  });
  return { documentOf, calls };
}

test('a text that passed is parsed and validated once, and answers the same document after', () => {
  const { documentOf, calls } = counted();
  const first = documentOf('subscription { tick }');
  expect(Array.isArray(first)).toBe(false);
  for (let i = 0; i < 5; i++) expect(documentOf('subscription { tick }')).toBe(first);
  expect(calls).toEqual({ parse: 1, validate: 1 });
  expect(documentOf('subscription { tick(n: 2) }')).not.toBe(first);
  expect(calls).toEqual({ parse: 2, validate: 2 });
});

test('bad texts answer their errors with contract codes every time and are never kept', () => {
  const { documentOf, calls } = counted();
  for (let i = 0; i < 2; i++) {
    const syntax = documentOf('subscription { tick');
    expect(Array.isArray(syntax) && syntax.map((e) => e.extensions.code)).toEqual(['GRAPHQL_PARSE_FAILED']);
    const invalid = documentOf('subscription { nope }');
    expect(Array.isArray(invalid) && invalid.map((e) => e.extensions.code)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(Array.isArray(invalid) && invalid[0]!.message).toMatch(/Cannot query field "nope"/);
  }
  expect(calls).toEqual({ parse: 4, validate: 2 });
});

test('what it keeps is bounded by characters of text: the least recently used goes first', () => {
  const { documentOf, calls } = counted(60);
  const a = 'subscription { tick(n: 1) }'; // 27 characters, 28 counted
  const b = 'subscription { tick(n: 2) }';
  const c = 'subscription { tick(n: 3) }';
  documentOf(a);
  documentOf(b);
  documentOf(a); // a is now the most recently used
  documentOf(c); // over 60: b goes
  expect(calls.parse).toBe(3);
  documentOf(a);
  expect(calls.parse).toBe(3);
  documentOf(b);
  expect(calls.parse).toBe(4);
});
