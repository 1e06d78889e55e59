// Describing a thrown value must never throw itself: a strategy can throw anything — null, a
// null-prototype object (String() of it throws), a Proxy whose every trap throws, an Error whose
// `stack` getter throws. The session must still log a line and run its end of session.

/** the message (or, with `stack`, the stack) of any thrown value; never throws */
export function describeError(error: unknown, { stack = false } = {}): string {
  try {
    if (error instanceof Error) {
      const text = stack ? (error.stack ?? `${error.name}: ${error.message}`) : error.message;
      return typeof text === 'string' ? text : String(text);
    }
    if (typeof error === 'string') return error;
    return String(error);
  } catch {
    try {
      return `a thrown ${Object.prototype.toString.call(error).slice(8, -1)} that cannot be printed`;
    } catch {
      return 'a thrown value that cannot be printed';
    }
  }
}
