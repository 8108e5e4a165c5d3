// Who is protected (SPEC "protected": never blocked by the automatic rules), decided here once: an
// account an admin protected (`accounts protect`) or one `policy.protect` matches. The two halves are
// stored apart (an admin's unprotect leaves the policy's), and every account the allocation sees is
// made protected by `isProtected`. SQL that must filter on it before the allocation (the settled
// keepers, `seat-store.ts`) and the account view use the one fragment `PROTECTED_SQL` (account-store.ts),
// bound to this function by test/integration/store/repositories.int.test.ts.

/** The two stored halves of an account's protection. */
export interface ProtectionFlags {
  /** Set and cleared by an admin (`accounts protect|unprotect`). */
  readonly adminProtected: boolean;
  /** `policy.protect` matches its directory entry (mapped at each read). */
  readonly policyProtected: boolean;
}

/** Whether an account is protected: by an admin or by policy. */
export function isProtected(flags: ProtectionFlags): boolean {
  return flags.adminProtected || flags.policyProtected;
}
