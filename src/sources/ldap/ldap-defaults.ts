// LDAP source defaults that are not part of the parsed config. The per-flavor user filter, attribute
// names and disabled rule live with the config (src/config/defaults.ts), which fills LdapSourceConfig.
import type { LdapSourceConfig } from '../../config/types.ts';

/** AD's MaxValRange default: values of a multi-valued attribute returned per ranged request. */
export const RANGE_STEP = 1500;

/** Resolution strategy for a config: its explicit setting, else in-chain on AD and expansion elsewhere. */
export function groupResolutionOf(config: Pick<LdapSourceConfig, 'flavor' | 'groupResolution'>): 'in-chain' | 'expand' {
  return config.groupResolution ?? (config.flavor === 'active-directory' ? 'in-chain' : 'expand');
}
