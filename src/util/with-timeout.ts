// A bounded wait that also cleans up after itself: what a given-up start still delivers later (a
// feed, a venue thread) is handed to `discard`, so nothing is left running once the caller moved on.

/** The promise, or an error `${what}: no answer within N s` after `ms`. */
export function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  what: string,
  discard?: (late: T) => unknown,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true;
      reject(new Error(`${what}: no answer within ${ms / 1000} s`));
    }, ms);
  });
  if (discard)
    promise
      .then((value) => {
        if (timedOut) return discard(value);
      })
      .catch(() => undefined);
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
