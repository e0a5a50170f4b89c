import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kind, parse, type FieldDefinitionNode, type TypeNode } from 'graphql';

const named = (t: TypeNode): string => (t.kind === Kind.NAMED_TYPE ? t.name.value : named(t.type));

/**
 * The fields of `type` in a subgraph's schema.graphql that take no arguments and answer a scalar or
 * an enum (or a list of them): what a test can select bare. Read from the schema, so a field the
 * schema gains is in the test's selections without anyone listing it.
 */
export function leafFields(subgraph: string, type: string): string[] {
  const doc = parse(readFileSync(join(__dirname, '../../subgraphs', subgraph, 'schema.graphql'), 'utf8'));
  const composite = new Set<string>();
  const fields: FieldDefinitionNode[] = [];
  for (const d of doc.definitions) {
    if (
      d.kind === Kind.OBJECT_TYPE_DEFINITION ||
      d.kind === Kind.OBJECT_TYPE_EXTENSION ||
      d.kind === Kind.INTERFACE_TYPE_DEFINITION ||
      d.kind === Kind.UNION_TYPE_DEFINITION
    ) {
      composite.add(d.name.value);
      if (d.name.value === type && 'fields' in d) fields.push(...(d.fields ?? []));
    }
  }
  if (!fields.length) throw new Error(`expected a type ${type} with fields in subgraphs/${subgraph}/schema.graphql`);
  return fields.filter((f) => !f.arguments?.length && !composite.has(named(f.type))).map((f) => f.name.value);
}
