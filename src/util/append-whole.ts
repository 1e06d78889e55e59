// Appending whole records to a file that may run out of room (a full disk: ENOSPC; a file size
// limit: EFBIG, which also shows as a short write first). A record either lands whole or not at
// all: a part written before the failure is cut off again, so the file never holds half a record
// that later appends (once there is room) would follow.
import fs from 'node:fs';

/** Appends `text` to `fd` (opened for appending) whole, or throws with the file as it was. */
export function appendWhole(fd: number, text: string | Buffer): void {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  let done = 0;
  try {
    while (done < bytes.length) {
      const n = fs.writeSync(fd, bytes, done);
      if (n <= 0) throw Object.assign(new Error('no room to write: the disk is full'), { code: 'ENOSPC' });
      done += n;
    }
  } catch (error) {
    if (done > 0) {
      try {
        fs.ftruncateSync(fd, fs.fstatSync(fd).size - done);
      } catch {
        // the cut failed too: a reader still drops a torn last record (the journal) or row (the CSV)
      }
    }
    throw error;
  }
}
