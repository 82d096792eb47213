/**
 * Named points where a write can be interrupted, so that the crash suite can kill a real
 * `remembrancer` process (SIGKILL, as kill -9 does) at each of them instead of guessing
 * with timers. REMEMBRANCER_CRASH_AT=<point> kills the process when it reaches that point;
 * REMEMBRANCER_CRASH_AT=list prints each point on stderr as it passes, which is how a test
 * finds the points of a command without a list kept by hand. Unset, it costs one lookup.
 */
import { writeSync } from 'node:fs';

export function crashPoint(point: string): void {
  const wanted = process.env['REMEMBRANCER_CRASH_AT'];
  if (wanted === undefined || wanted === '') return;
  if (wanted === 'list') {
    // Synchronous: a point passed just before a real crash must still be in the output.
    writeSync(2, `crash point: ${point}\n`);
    return;
  }
  if (wanted === point) process.kill(process.pid, 'SIGKILL');
}
