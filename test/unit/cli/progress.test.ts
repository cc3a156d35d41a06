// Progress output of long CLI commands (import, export, backup): a bar redrawn in place with
// percentage, rate and ETA on a terminal, at most every 100 ms; plain lines every few seconds
// when stderr is a file or pipe; a summary at the end either way. Driven by a fake clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Progress } from '../../../src/cli/progress.js';

function sink(tty: boolean, columns = 120): { stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }; text: () => string } {
  let out = '';
  const stream = { isTTY: tty, columns, write: (chunk: string) => { out += chunk; return true; } } as unknown as NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  return { stream, text: () => out };
}

test('on a terminal: the bar is redrawn in place with percentage, rate and ETA, at most every 100 ms', () => {
  let now = 0;
  const { stream, text } = sink(true);
  const progress = new Progress({ label: 'import', unit: 'points', stream, now: () => now });
  now = 1000;
  progress.update(5000, 0.25);
  now = 1050;
  progress.update(6000, 0.3); // within 100 ms of the last draw: skipped
  now = 2000;
  progress.update(10_000, 0.5);
  progress.finish(20_000);
  const frames = text().split('\r\x1b[K').filter((f) => f.length > 0);
  assert.deepEqual(frames, [
    'import [######------------------]  25.0%  5,000 points  5,000 points/s  ETA 0:03',
    'import [############------------]  50.0%  10,000 points  5,000 points/s  ETA 0:02',
    'import: 20,000 points in 2.0 s (10,000 points/s)\n',
  ]);
});

test('on a narrow terminal the line is cut to the width; without a known total there is no bar', () => {
  let now = 0;
  const { stream, text } = sink(true, 30);
  const progress = new Progress({ label: 'export', unit: 'points', stream, now: () => now });
  now = 500;
  progress.update(1234);
  assert.equal(text(), '\r\x1b[Kexport 1,234 points  2,468 po', 'columns - 1 characters: the cursor never wraps');
});

test('in a file or pipe: plain lines every interval, none for a short run, then the summary', () => {
  let now = 0;
  const { stream, text } = sink(false);
  const progress = new Progress({ label: 'backup full', unit: 'parts', stream, now: () => now, plainIntervalSeconds: 5 });
  now = 1000;
  progress.update(1, 0.2); // before the first interval: nothing
  assert.equal(text(), '');
  now = 5000;
  progress.update(2, 0.4);
  now = 6000;
  progress.update(3, 0.6); // within the interval: nothing
  now = 10_000;
  progress.finish(5);
  assert.equal(text(), 'backup full: 2 parts (40.0%), 0 parts/s, ETA 0:08\nbackup full: 5 parts in 10.0 s (1 parts/s)\n');
  assert.ok(!text().includes('\r'), 'no terminal control characters in a log');
});
