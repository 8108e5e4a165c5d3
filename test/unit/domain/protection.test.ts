// An account is protected by an admin or by policy: either half alone protects it.
import { describe, expect, it } from 'vitest';
import { isProtected } from '../../../src/domain/protection.ts';

describe('isProtected', () => {
  it('is true when an admin or the policy protects the account, false only when neither does', () => {
    expect(isProtected({ adminProtected: false, policyProtected: false })).toBe(false);
    expect(isProtected({ adminProtected: true, policyProtected: false })).toBe(true);
    expect(isProtected({ adminProtected: false, policyProtected: true })).toBe(true);
    expect(isProtected({ adminProtected: true, policyProtected: true })).toBe(true);
  });
});
