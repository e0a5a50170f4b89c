import { schemaIn } from '../../shared/graphql/entities';
import type { SubgraphDefinition } from '../../shared/graphql/subgraph-server';
import { createLoaders } from './loaders';
import { AssessmentRepository } from './repository';
import { resolvers, type AssessmentContext } from './resolvers';

/** The assessment subgraph: assessments and the fields they add to candidates and jobs. */
export function assessmentSubgraph(): SubgraphDefinition<AssessmentContext> {
  return {
    name: 'assessment',
    typeDefs: schemaIn(__dirname),
    resolvers: resolvers as never,
    ensureIndexes: AssessmentRepository.ensureIndexes,
    context(base, db) {
      const assessments = (access: Parameters<typeof base.tenant>[0]) => new AssessmentRepository(db, base.tenant(access));
      return { ...base, assessments, loaders: createLoaders(() => assessments('read')) };
    },
  };
}
