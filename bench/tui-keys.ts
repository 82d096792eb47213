// The TUI's in-process measurements, run by bench/run.ts in a process of their own with
// NODE_ENV=production, so React runs as in the built binary. Prints one JSON object.
// Usage: node scripts/run-ts.mjs bench/tui-keys.ts REPO_DIR [--covenant]
import { setTimeout as sleep } from 'node:timers/promises';
import { openSession } from './tui-terminal.js';

const dir = process.argv[2] as string;
const covenant = process.argv.includes('--covenant');
const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};
const p95 = (v: number[]) => [...v].sort((a, b) => a - b)[Math.ceil(v.length * 0.95) - 1] as number;

const paints: number[] = [];
for (let i = 0; i < 4; i++) {
  const session = await openSession(dir);
  if (i > 0) paints.push(session.firstPaint); // the first warms the file system cache
  session.close();
}

const session = await openSession(dir, { covenant });
if (covenant) await session.waitFor('covenant holds');
await sleep(1000); // the root, computed once after the first screen
// A person reading: a key, a pause long enough for the detail pane to verify the memory.
const reading: number[] = [];
const readingCpu: number[] = [];
for (let i = 0; i < 20; i++) {
  reading.push(await session.press(i % 5 === 4 ? '\u001B[6~' : 'j')); // j, and PgDn
  readingCpu.push(session.lastCpu);
  await sleep(400);
}
// A key held down: the terminal repeats it every 30 ms.
const held: number[] = [];
for (let i = 0; i < 40; i++) {
  held.push(await session.press('j'));
  await sleep(30);
}
// Search as you type, at typing speed.
await session.press('/');
const typing: number[] = [];
for (const c of 'decision 42') {
  await sleep(150);
  typing.push(await session.press(c));
}
session.close();
console.log(
  JSON.stringify({
    firstPaint: median(paints),
    reading: median(reading),
    readingP95: p95(reading),
    readingCpu: median(readingCpu),
    held: median(held),
    heldP95: p95(held),
    typing: median(typing),
  }),
);
