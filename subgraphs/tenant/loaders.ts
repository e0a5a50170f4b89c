import type DataLoader from 'dataloader';
import { batched } from '../../shared/graphql/loader';
import type { RequestContext } from '../../shared/graphql/context';
import type { TenantRepository } from './repository';
import type { TenantDoc } from './model';

export interface TenantLoaders {
  tenantById: DataLoader<string, TenantDoc | null>;
}

/** Created once per request. A caller only ever sees its own tenant; other ids load as null. */
export function createLoaders(repo: TenantRepository, ctx: RequestContext): TenantLoaders {
  return {
    tenantById: batched('tenantById', ctx.observeBatch, (ids) => repo.ownByIds(ctx.tenant('read'), ids)),
  };
}
