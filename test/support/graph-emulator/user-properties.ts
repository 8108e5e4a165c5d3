// The user properties the emulator knows, as Microsoft Graph v1.0 names them. `$select` of anything else
// is answered with 400, like Graph does ("Could not find a property named …").

export const USER_PROPERTIES: readonly string[] = [
  'id', 'accountEnabled', 'ageGroup', 'businessPhones', 'city', 'companyName', 'country', 'createdDateTime',
  'creationType', 'department', 'displayName', 'employeeHireDate', 'employeeId', 'employeeLeaveDateTime',
  'employeeOrgData', 'employeeType', 'externalUserState', 'faxNumber', 'givenName', 'imAddresses', 'isResourceAccount',
  'jobTitle', 'lastPasswordChangeDateTime', 'mail', 'mailNickname', 'mobilePhone', 'officeLocation',
  'onPremisesDistinguishedName', 'onPremisesDomainName', 'onPremisesExtensionAttributes', 'onPremisesImmutableId',
  'onPremisesLastSyncDateTime', 'onPremisesSamAccountName', 'onPremisesSecurityIdentifier', 'onPremisesSyncEnabled',
  'onPremisesUserPrincipalName', 'otherMails', 'passwordPolicies', 'postalCode', 'preferredDataLocation',
  'preferredLanguage', 'proxyAddresses', 'securityIdentifier', 'showInAddressList', 'state', 'streetAddress', 'surname',
  'usageLocation', 'userPrincipalName', 'userType',
];

/** What Graph returns for a user when the request has no `$select`. */
export const DEFAULT_USER_SELECT: readonly string[] = [
  'businessPhones', 'displayName', 'givenName', 'jobTitle', 'mail', 'mobilePhone', 'officeLocation',
  'preferredLanguage', 'surname', 'userPrincipalName', 'id',
];

const CANONICAL = new Map(USER_PROPERTIES.map((name) => [name.toLowerCase(), name]));

/** Graph property names are case-insensitive in `$select`; directory schema extensions are accepted as-is. */
export function canonicalUserProperty(name: string): string | null {
  const known = CANONICAL.get(name.toLowerCase());
  if (known) return known;
  return /^extension_[0-9a-f]{32}_\w+$/i.test(name) ? name : null;
}
