// The live display runs beside a session, not inside it: whoever runs the session (runTrading,
// startTrading, `salvo run`) starts the display on the session's display view, and the session
// knows nothing of screens. The display module (blessed) loads only when liveDisplay is on.
import type { SessionReport } from '../types.js';
import { describeError } from '../util/errors.js';
import type { DisplayView } from '../session/views.js';

/** what runs beside a display: a started session (Session is one) */
export interface ShownSession {
  readonly display: DisplayView;
  run(): Promise<SessionReport>;
}

/**
 * Runs the session, with the live display beside it when its options ask for one. The terminal is
 * given back before this returns or throws; a display that cannot start leaves the session running.
 */
export async function runBeside(session: ShownSession): Promise<SessionReport> {
  const view = session.display;
  let display: { stop(): Promise<void> } | undefined;
  if (view.options.liveDisplay) {
    try {
      display = (await import('./index.js')).startDisplay(view);
    } catch (error) {
      view.log.warn(`live display could not start (${describeError(error)}); running without it`);
    }
  }
  try {
    return await session.run();
  } finally {
    await display?.stop();
  }
}
