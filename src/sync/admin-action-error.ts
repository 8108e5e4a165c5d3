// Why an admin action on one account was refused (no such account, several match, a state it cannot
// leave, an unusable reason). Its own module: the CLI's and the API's error mapping need the class
// without loading the actions.
export class AdminActionError extends Error {
  readonly code: 'not-found' | 'ambiguous' | 'invalid-state' | 'invalid-reason';
  constructor(code: AdminActionError['code'], message: string) {
    super(message);
    this.name = 'AdminActionError';
    this.code = code;
  }
}
