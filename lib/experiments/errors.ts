/**
 * A problem with the caller's input or files that they can fix (a missing prune directory,
 * nothing to resume, a model that does not match): the message says what, `hint` how.
 * The CLI turns it into exit code 1 with the hint on its own line.
 */
export class ExperimentError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'ExperimentError';
  }
}
