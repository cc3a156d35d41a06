/** Streams a text file's lines (1-based numbers), tracking bytes consumed for progress. */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

export async function* readLines(file: string, progress: { bytesRead: number }): AsyncGenerator<{ line: string; number: number }> {
  const stream = createReadStream(file);
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let number = 0;
  try {
    for await (const line of lines) {
      number++;
      progress.bytesRead = stream.bytesRead;
      yield { line, number };
    }
  } finally {
    lines.close();
    stream.destroy();
  }
}
