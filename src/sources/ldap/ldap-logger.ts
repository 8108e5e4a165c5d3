// The logging the LDAP source needs; a pino logger fits it.

export interface LdapLogger {
  debug(details: object, message: string): void;
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
}

export const silentLogger: LdapLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
};
