import { boundedLabel, createMetrics } from '../../shared/metrics';

test('client-chosen operation names reach at most the bound of labels; the rest count as "other"', async () => {
  const m = createMetrics('test', false, 200);
  for (let i = 0; i < 250; i++)
    m.operations.observe({ operation: m.operationLabel(`Op${i}`), type: 'query', code: 'OK' }, 0.01);
  m.operations.observe({ operation: m.operationLabel(`Op${5}`), type: 'query', code: 'OK' }, 0.01);
  m.operations.observe({ operation: m.operationLabel(undefined), type: 'query', code: 'OK' }, 0.01);
  const values = (await m.operations.get()).values.filter(
    (v) => v.metricName === 'hiregraph_graphql_operation_duration_seconds_count',
  );
  const byLabel = new Map(values.map((v) => [String(v.labels.operation), v.value]));
  expect(byLabel.size).toBe(202);
  expect(byLabel.get('other')).toBe(50);
  expect(byLabel.get('Op5')).toBe(2);
  expect(byLabel.get('anonymous')).toBe(1);
  expect(byLabel.has('Op200')).toBe(false);
});

test('boundedLabel keeps a value it has seen once the bound is reached', () => {
  const label = boundedLabel(2);
  expect(['a', 'b', 'c', 'a', 'b', 'c'].map(label)).toEqual(['a', 'b', 'other', 'a', 'b', 'other']);
});
