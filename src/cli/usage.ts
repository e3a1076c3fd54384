/** A mistake in how the command was invoked: printed without a stack trace, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * A failure the user can act on, told in one sentence that names the cause and the fix: printed
 * without a stack trace and without the usage hint, exit code 1.
 */
export class CliError extends Error {
  override name = 'CliError';
}
