import fc from 'fast-check';
import type { FormattedExecutionResult } from 'graphql';
import { resultSerializer } from '../../gateway/sharing/result-json';

test('the shared serializer writes exactly what JSON.stringify does, and each data object once', () => {
  const stringify = resultSerializer();
  const json = fc.jsonValue();
  fc.assert(
    fc.property(
      fc.record(
        {
          errors: fc.array(fc.record({ message: fc.string(), path: fc.array(fc.oneof(fc.string(), fc.nat())) })),
          data: fc.oneof(fc.constant(null), fc.dictionary(fc.string(), json)),
          extensions: fc.dictionary(fc.string(), json),
        },
        { requiredKeys: [] },
      ),
      (result) => {
        expect(stringify(result as FormattedExecutionResult)).toBe(`${JSON.stringify(result)}\n`);
      },
    ),
  );
  const data = { a: 1 };
  const serialize = jest.spyOn(JSON, 'stringify');
  stringify({ data });
  stringify({ data, errors: [{ message: 'partial' }] });
  expect(serialize.mock.calls.filter(([v]) => v === data)).toHaveLength(1);
  expect(stringify({ errors: [{ message: 'partial' }], data })).toBe(
    '{"errors":[{"message":"partial"}],"data":{"a":1}}\n',
  );
  serialize.mockRestore();
});
