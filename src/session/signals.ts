// SIGINT / SIGTERM: the first runs the normal end of session once; a second one exits at once,
// after writing the trade-log rows already recorded (whole rows only).

export function onStopSignals(first: (signal: string) => void, second: () => void): () => void {
  let count = 0;
  const handler = (signal: NodeJS.Signals) => {
    count++;
    if (count === 1) first(signal);
    else second();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
