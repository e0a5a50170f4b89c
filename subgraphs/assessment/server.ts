import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'graphql';
import type { SubgraphDefinition } from '../../shared/graphql/subgraph-server';
import { createLoaders } from './loaders';
import { AssessmentRepository } from './repository';
import { resolvers, type AssessmentContext } from './resolvers';

/** The assessment subgraph: assessments and the fields they add to candidates and jobs. */
export function assessmentSubgraph(): SubgraphDefinition<AssessmentContext> {
  return {
    name: 'assessment',
    typeDefs: parse(readFileSync(join(__dirname, 'schema.graphql'), 'utf8')),
    resolvers: resolvers as never,
    ensureIndexes: AssessmentRepository.ensureIndexes,
    context(base, db) {
      const assessments = (access: Parameters<typeof base.tenant>[0]) => new AssessmentRepository(db, base.tenant(access));
      return { ...base, assessments, loaders: createLoaders(() => assessments('read')) };
    },
  };
}
