/**
 * NumPy `.npy` files holding one 2-D float array (n × dim); row i becomes point id i.
 *
 * Format (numpy.lib.format), read in chunks so the file never has to fit in memory:
 *
 * | bytes      | content                                                       |
 * |------------|---------------------------------------------------------------|
 * | 0..5       | magic `\x93NUMPY`                                             |
 * | 6, 7       | major, minor version                                          |
 * | 8..9       | header length, uint16 LE (version 1)                          |
 * | 8..11      | header length, uint32 LE (versions 2 and 3)                   |
 * | then       | header: a Python dict `{'descr': '<f4', 'fortran_order': False, 'shape': (n, d), }` |
 * | then       | the data, row-major                                           |
 */
import { open, stat } from 'node:fs/promises';
import { RvError } from '../../errors.js';
import type { PointSource, SourcedPoint } from './point-source.js';

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);
const ROWS_PER_READ = 1024;

interface NpyHeader {
  dataOffset: number;
  rows: number;
  dim: number;
  bytesPerValue: 4 | 8;
  littleEndian: boolean;
}

function fail(file: string, message: string): never {
  throw new RvError('RV_IMPORT_INVALID', `${file}: ${message}`, { details: { file } });
}

/** Parses the preamble and header dict; only 2-D C-order float32/float64 arrays are accepted. */
export function parseNpyHeader(bytes: Buffer, file: string): NpyHeader {
  if (bytes.length < 10 || !bytes.subarray(0, 6).equals(MAGIC)) fail(file, 'not a .npy file (bad magic)');
  const major = bytes[6];
  const lengthBytes = major === 1 ? 2 : 4;
  const headerLength = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const start = 8 + lengthBytes;
  if (bytes.length < start + headerLength) fail(file, 'truncated .npy header');
  const header = bytes.subarray(start, start + headerLength).toString('latin1');
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  const type = descr === undefined ? undefined : /^([<>|=])f([48])$/.exec(descr);
  if (type === null || type === undefined) fail(file, `unsupported dtype ${JSON.stringify(descr)}: expected float32 ('<f4') or float64 ('<f8')`);
  if (fortran !== 'False') fail(file, 'Fortran-ordered arrays are not supported (save with np.ascontiguousarray)');
  const dims = (shape ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (dims.length !== 2 || !dims.every((n) => Number.isSafeInteger(n) && n >= 0)) fail(file, `expected a 2-D array (n, dim), got shape (${shape ?? '?'})`);
  return { dataOffset: start + headerLength, rows: dims[0], dim: dims[1], bytesPerValue: type[2] === '8' ? 8 : 4, littleEndian: type[1] !== '>' };
}

/** Reads `file` in chunks of rows; the header is checked before the first point is yielded. */
export function npySource(file: string): PointSource {
  const progress = { bytesRead: 0, totalBytes: 0 };
  return {
    progress,
    async *points(): AsyncGenerator<SourcedPoint> {
      const handle = await open(file, 'r');
      try {
        progress.totalBytes = (await stat(file)).size;
        const preamble = Buffer.alloc(Math.min(progress.totalBytes, 65536 + 12));
        await handle.read(preamble, 0, preamble.length, 0);
        const header = parseNpyHeader(preamble, file);
        const rowBytes = header.dim * header.bytesPerValue;
        if (header.dataOffset + header.rows * rowBytes > progress.totalBytes) fail(file, `truncated: shape (${header.rows}, ${header.dim}) needs ${header.dataOffset + header.rows * rowBytes} bytes, the file has ${progress.totalBytes}`);
        const buffer = Buffer.alloc(Math.max(1, ROWS_PER_READ * rowBytes));
        for (let row = 0; row < header.rows; row += ROWS_PER_READ) {
          const count = Math.min(ROWS_PER_READ, header.rows - row);
          const position = header.dataOffset + row * rowBytes;
          await handle.read(buffer, 0, count * rowBytes, position);
          progress.bytesRead = position + count * rowBytes;
          const view = new DataView(buffer.buffer, buffer.byteOffset, count * rowBytes);
          for (let r = 0; r < count; r++) {
            const vector = new Array<number>(header.dim);
            for (let j = 0; j < header.dim; j++) {
              const offset = r * rowBytes + j * header.bytesPerValue;
              vector[j] = header.bytesPerValue === 4 ? view.getFloat32(offset, header.littleEndian) : view.getFloat64(offset, header.littleEndian);
            }
            yield { point: { id: row + r, vector, payload: null }, position: `row ${row + r}` };
          }
        }
      } finally {
        await handle.close();
      }
    },
  };
}
