// The DirectorySource contract against the file source: a CSV export and LDIF exports in the shapes
// OpenLDAP and Active Directory produce.
import { describeDirectorySourceContract } from './directory-source.contract.ts';
import { fileSourceFixture } from './file-fixtures.ts';

describeDirectorySourceContract('file (csv)', fileSourceFixture('csv'));
describeDirectorySourceContract('file (ldif, OpenLDAP export)', fileSourceFixture('ldif-openldap'));
describeDirectorySourceContract('file (ldif, Active Directory export)', fileSourceFixture('ldif-ad'));
