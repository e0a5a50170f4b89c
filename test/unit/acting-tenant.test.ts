import { ObjectId } from 'mongodb';
import { actingTenant, type Principal, type Role } from '../../shared/auth';

const tenantId = new ObjectId();
const user = (roles: Role[], tid: ObjectId | null = tenantId): Principal => ({
  userId: 'u',
  tenantId: tid,
  roles,
  expiresAt: null,
});
const codeOf = (f: () => unknown): unknown => {
  try {
    f();
    return 'allowed';
  } catch (err) {
    return (err as { extensions?: { code?: unknown } }).extensions?.code;
  }
};

test('each tenant access takes the roles that grant it, and answers the caller own tenant', () => {
  expect(actingTenant(user(['viewer']), 'read')).toEqual(tenantId);
  expect(codeOf(() => actingTenant(user(['viewer']), 'write'))).toBe('FORBIDDEN');
  expect(actingTenant(user(['recruiter']), 'write')).toEqual(tenantId);
  expect(codeOf(() => actingTenant(user(['recruiter']), 'admin'))).toBe('FORBIDDEN');
  expect(actingTenant(user(['admin']), 'admin')).toEqual(tenantId);
});

test('a platform admin acts across tenants, but inside one only with a tenant role', () => {
  expect(actingTenant(user(['platform-admin'], null), 'platform')).toBe('platform');
  expect(codeOf(() => actingTenant(user(['admin']), 'platform'))).toBe('FORBIDDEN');
  expect(codeOf(() => actingTenant(user(['platform-admin']), 'read'))).toBe('FORBIDDEN');
  expect(actingTenant(user(['platform-admin', 'viewer']), 'read')).toEqual(tenantId);
  expect(() => actingTenant(user(['admin'], null), 'read')).toThrow(/expected a token for a tenant/);
});

test('a service token reads its tenant and changes nothing', () => {
  const service: Principal = { ...user([]), service: 'assessment-worker' };
  expect(actingTenant(service, 'read')).toEqual(tenantId);
  expect(() => actingTenant(service, 'write')).toThrow(/expected a user's token to change this/);
});

test("with 'null', a refusal (or no caller) is null instead of FORBIDDEN", () => {
  expect(actingTenant(user(['platform-admin']), 'read', 'null')).toBeNull();
  expect(actingTenant(null, 'read', 'null')).toBeNull();
  expect(actingTenant(user(['viewer']), 'platform', 'null')).toBeNull();
  expect(actingTenant(user(['viewer']), 'read', 'null')).toEqual(tenantId);
});
