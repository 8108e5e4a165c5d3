// Public edge of the file source: the factory, and the value decoders the LDAP source can reuse.
export { createFileSource, FILE_PAGE_SIZE } from './file-source.ts';
export type { FileSourceOptions } from './file-source.ts';
export { canonicalGuid, guidFromBytes, guidToBytes, isDisabledByUserAccountControl, parseGeneralizedTime } from '../directory-values.ts';
