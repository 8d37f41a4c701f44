/**
 * Typed arrays inside JSON, bit for bit: the little-endian bytes of a Float64Array or Float32Array as
 * base64. JSON numbers lose −0, NaN and ±Infinity, and float32 checkpoint arrays lose float64
 * precision; state that must continue exactly (an env's physics, a collector's running returns) is
 * written this way instead.
 */
import { endianness } from 'node:os';

const LITTLE_ENDIAN_HOST = endianness() === 'LE';

/** base64 of the little-endian bytes of `a`. */
export function typedToBase64(a: Float64Array | Float32Array): string {
  const bytes = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  if (LITTLE_ENDIAN_HOST) return bytes.toString('base64');
  const out = Buffer.alloc(a.byteLength);
  const width = a.BYTES_PER_ELEMENT;
  for (let i = 0; i < a.length; i++)
    if (width === 8) out.writeDoubleLE(a[i], 8 * i);
    else out.writeFloatLE(a[i], 4 * i);
  return out.toString('base64');
}

function decode(
  text: unknown,
  width: 4 | 8,
  length: number | null,
  what: string,
): Float64Array | Float32Array {
  if (typeof text !== 'string') throw new Error(`${what}: expected base64 text, got ${typeof text}`);
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length % width !== 0 || (length !== null && bytes.length !== length * width))
    throw new Error(
      `${what}: ${bytes.length} bytes, expected ${length === null ? `a multiple of ${width}` : length * width}`,
    );
  const n = bytes.length / width;
  const out = width === 8 ? new Float64Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = width === 8 ? bytes.readDoubleLE(8 * i) : bytes.readFloatLE(4 * i);
  return out;
}

/**
 * Reads {@link typedToBase64}'s text of a Float64Array.
 * @param length the element count it must have (null: any)
 * @throws Error naming `what` when the text is not base64 of that many doubles.
 */
export function base64ToFloat64(text: unknown, length: number | null, what: string): Float64Array {
  return decode(text, 8, length, what) as Float64Array;
}

/** As {@link base64ToFloat64}, for a Float32Array. */
export function base64ToFloat32(text: unknown, length: number | null, what: string): Float32Array {
  return decode(text, 4, length, what) as Float32Array;
}
