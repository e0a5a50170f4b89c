import { Supergraph } from '@apollo/federation-internals';
import { composeSdl } from '../../gateway/compose';
import { OverrideLabels } from '../../gateway/execution/plan/overrides';
import { loadConfig } from '../../shared/config';

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@override"])';

test("the supergraph's labels are read from its @join__field applications", () => {
  const supergraphSdl = composeSdl([
    {
      name: 'a',
      url: 'http://a',
      typeDefs: `${LINK} type Query { t: T } type T @key(fields: "id") { id: ID! x: Int y: Int }`,
    },
    {
      name: 'b',
      url: 'http://b',
      typeDefs: `${LINK} type T @key(fields: "id") { id: ID! x: Int @override(from: "a", label: "percent(12.5)") y: Int @override(from: "a", label: "flag/y") }`,
    },
  ]);
  expect(OverrideLabels.namesIn(Supergraph.build(supergraphSdl)).sort()).toEqual(['flag/y', 'percent(12.5)']);
});

test('a percent label is on for its share of draws, a custom one as configured, always in the same order', () => {
  const draws = [0.05, 0.2, 0.124, 0.125];
  const labels = new OverrideLabels(['percent(12.5)', 'flag/y', 'percent(12.5)', 'other'], ['flag/y'], () =>
    draws.shift()!,
  );
  const seen = [labels.draw(), labels.draw(), labels.draw(), labels.draw()].map((d) => [...d!]);
  // The configured label always on, the unknown one off, the percentage as drawn.
  const drawn = (percent: boolean) => [
    ['flag/y', true],
    ['other', false],
    ['percent(12.5)', percent],
  ];
  expect(seen).toEqual([drawn(true), drawn(false), drawn(true), drawn(false)]);
  expect(labels.unknown(['flag/y', 'flag/z'])).toEqual(['flag/z']);
  expect(new OverrideLabels([], ['flag/y']).draw()).toBeUndefined();
});

test('OVERRIDE_LABELS: labels as composition allows them, a bad one named', () => {
  expect(loadConfig({ NODE_ENV: 'development', OVERRIDE_LABELS: ' flag/y , beta.2' }).OVERRIDE_LABELS).toEqual([
    'flag/y',
    'beta.2',
  ]);
  expect(loadConfig({ NODE_ENV: 'development' }).OVERRIDE_LABELS).toEqual([]);
  expect(() => loadConfig({ NODE_ENV: 'development', OVERRIDE_LABELS: 'ok,2bad' })).toThrow(/OVERRIDE_LABELS.*"2bad"/s);
});
