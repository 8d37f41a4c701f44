/**
 * A mistake in what the user typed (a malformed goal, an unknown planner setting): the command line
 * prints its message alone and exits with status 2, without a stack trace, as for config errors.
 */
export class UsageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UsageError';
  }
}

/** Runs `check`, turning what it throws into a {@link UsageError} with the same message. */
export function asUsageError<T>(check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError((err as Error).message, { cause: err });
  }
}
