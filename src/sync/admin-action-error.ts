// Why an admin action on one account was refused (no such account, several match, a state it cannot
// leave, an unusable reason). Its own module: the CLI's and the API's error mapping need the class
// without loading the actions.
export class AdminActionError extends Error {
  readonly code: 'not-found' | 'ambiguous' | 'invalid-state' | 'invalid-reason';
  /**
   * The value given with the action that was refused (its `reason`), when the error is about one: what is
   * wrong with it, to follow the value's name as each edge writes it. The message names it as the API's
   * field (`reason: …`); the CLI names its option (`--reason: …`).
   */
  readonly input: { readonly parameter: 'reason'; readonly problem: string } | null;
  constructor(code: AdminActionError['code'], message: string, input: AdminActionError['input'] = null) {
    super(message);
    this.name = 'AdminActionError';
    this.code = code;
    this.input = input;
  }

  /** A refusal of the value `parameter`: the message is `parameter: problem`. */
  static ofInput(code: AdminActionError['code'], parameter: 'reason', problem: string): AdminActionError {
    return new AdminActionError(code, `${parameter}: ${problem}`, { parameter, problem });
  }
}
