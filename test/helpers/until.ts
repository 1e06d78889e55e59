// Waiting in tests: on a condition, with a deadline, and a failure that says what was awaited.
// The deadline bounds a wait that would otherwise hang the suite; it is never what a test asserts.

export interface UntilOptions {
  /** how long to wait before failing (default 10 s: generous, since the machine may be loaded) */
  timeoutMs?: number;
  /** what is awaited, in the failure message: "the AAPL fill", "redis-server on port 6379" */
  what: string;
  /** how often the condition is checked (default 10 ms) */
  intervalMs?: number;
  /** more detail for the failure message, read when it happens (a log, a screen) */
  detail?: () => string;
}

/**
 * Resolves with the condition's first truthy value; rejects after `timeoutMs` naming `what`.
 * The condition may be async; a condition that throws fails the wait at once.
 */
export async function until<T>(condition: () => T | Promise<T>, options: UntilOptions): Promise<NonNullable<T>> {
  const { timeoutMs = 10_000, what, intervalMs = 10, detail } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value as NonNullable<T>;
    if (Date.now() >= deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail ? `\n${detail()}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** `promise`, or a rejection naming `what` if it has not settled within `timeoutMs` */
export async function within<T>(promise: Promise<T>, options: Omit<UntilOptions, 'intervalMs'>): Promise<T> {
  const { timeoutMs = 10_000, what, detail } = options;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail ? `\n${detail()}` : ''}`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** resolves once `text()` contains `needle` (a process's output), bounded like `until` */
export const untilText = (text: () => string, needle: string | RegExp, options: Partial<UntilOptions> = {}) =>
  until(() => (typeof needle === 'string' ? text().includes(needle) : needle.test(text())), {
    what: `${typeof needle === 'string' ? JSON.stringify(needle) : needle} in the output`,
    detail: () => text().slice(-3000),
    ...options,
  });
