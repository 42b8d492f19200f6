/**
 * Binary index keys whose byte order (what LMDB sorts by) is the order mingo's `compare` gives the
 * values, component by component, each ascending or descending.
 *
 * A component is a type rank byte (mingo's order of types: null/absent, numbers, arrays, strings,
 * objects, booleans, anything else) and the value's bytes: numbers as 16 hex digits of their
 * order-preserving float64 bits, strings as UTF-8 (byte order is code point order, which differs
 * from JavaScript's UTF-16 order only between astral characters and U+E000–U+FFFF), other values
 * as their JSON text. Bytes 0x00 and 0x01 are escaped (0x01 0x01, 0x01 0x02) so 0x00 can end a
 * component and shorter values sort before their extensions. A descending component inverts every
 * byte and ends with 0xFF before the 0x00 (no escaped byte is 0xFF: UTF-8 never holds 0xFE/0xFF
 * and numbers are hex), which reverses its order against every other value.
 *
 * Values longer than {@link MAX_VALUE_BYTES} are cut: such a key still finds the value's documents
 * (the query's filter decides), but orders values sharing that prefix by the rest of the key.
 */

/** Bytes of one value kept in a key (LMDB's key limit is 1,978 bytes for the whole key). */
export const MAX_VALUE_BYTES = 256;
/** Bytes of the name (the last component) kept in a key; the entry's value holds the whole name. */
export const MAX_NAME_BYTES = 1024;

const RANK_NULL = 0x10;
const RANK_NUMBER = 0x20;
const RANK_ARRAY = 0x30;
const RANK_STRING = 0x40;
const RANK_OBJECT = 0x50;
const RANK_BOOLEAN = 0x60;
const RANK_OTHER = 0x70;

/** One component: its value and direction. */
export type KeyPart = readonly [value: unknown, direction: 1 | -1];

/** A key whose components are `parts`, each ending in its separator. */
export function indexKey(parts: readonly KeyPart[]): Buffer {
  if (parts.length === 1) {
    const [value, direction] = parts[0] as KeyPart;
    return component(value, direction, MAX_VALUE_BYTES);
  }
  return Buffer.concat(parts.map(([value, direction]) => component(value, direction, MAX_VALUE_BYTES)));
}

/** The components of `parts` followed by `tail`, in one buffer (an index entry's key after its prefix). */
export function indexKeyWith(prefix: Buffer, parts: readonly KeyPart[], tail: Buffer): Buffer {
  const chunks: Buffer[] = [prefix];
  for (const [value, direction] of parts) chunks.push(component(value, direction, MAX_VALUE_BYTES));
  chunks.push(tail);
  return Buffer.concat(chunks);
}

/**
 * An ascending string component with the longer cut-off: a key's fixed parts (kind, index id,
 * word) and the document name that ends every key.
 */
export function stringComponent(text: string): Buffer {
  return component(text, 1, MAX_NAME_BYTES);
}

/**
 * The component bytes of a string without its end: keys of every string value starting with
 * `prefix` lie in [result, result + 0xFF). Ascending only.
 */
export function stringPrefixBytes(prefix: string): Buffer {
  const body = Buffer.from(prefix, 'utf8').subarray(0, MAX_VALUE_BYTES);
  return Buffer.concat([Buffer.of(RANK_STRING), escape(body)]);
}

/**
 * The bytes of the ascending component starting at `offset` of `key`, its end included (escaping
 * leaves 0x00 only at a component's end); undefined when the key ends first.
 */
export function ascendingComponentAt(key: Buffer, offset: number): Buffer | undefined {
  const end = key.indexOf(0x00, offset);
  return end < 0 ? undefined : key.subarray(offset, end + 1);
}

/**
 * A key without its last component: for an index entry, the key of its values without the name,
 * which every entry of a tie (equal values) shares. Every component ends in the only unescaped 0x00.
 */
export function withoutLastComponent(key: Buffer): Buffer {
  return key.subarray(0, key.lastIndexOf(0x00, key.length - 2) + 1);
}

/** The smallest key after every key starting with `prefix`. */
export function afterPrefix(prefix: Buffer): Buffer {
  return Buffer.concat([prefix, Buffer.of(0xff)]);
}

/**
 * A string as a fixed part of a key keeps it ({@link stringComponent}): whole up to
 * {@link MAX_NAME_BYTES} bytes of UTF-8, else cut there (on a character boundary).
 */
export function keptAsKeyPart(text: string): string {
  return text.length * 3 <= MAX_NAME_BYTES ? text : cutUtf8(text, MAX_NAME_BYTES).toString('utf8');
}

/**
 * Whether a string read back from a key part may be the cut of a longer one: it is within the 3
 * bytes a cut backs off to a character boundary of the limit.
 */
export function mayBeCutKeyPart(kept: string): boolean {
  // A UTF-16 unit is at most 3 bytes of UTF-8, so short strings are answered without counting
  // (the word list asks this of every word it lists).
  return kept.length * 3 > MAX_NAME_BYTES - 4 && Buffer.byteLength(kept, 'utf8') > MAX_NAME_BYTES - 4;
}

/** Whether an index value would be cut in a key (so equality on it is not exact from the key). */
export function isCutInKey(value: unknown): boolean {
  return typeof value === 'string' && Buffer.byteLength(value, 'utf8') > MAX_VALUE_BYTES;
}

function component(value: unknown, direction: 1 | -1, maxBytes: number): Buffer {
  if (direction === 1 && typeof value === 'string') {
    const direct = shortAscendingString(value, maxBytes);
    if (direct !== undefined) return direct;
  }
  return anyComponent(value, direction, maxBytes);
}

/**
 * The component of an ascending string written straight into one buffer — the common case of
 * every key (names, timestamps, references) — or undefined when the general path must make it:
 * a string that might be cut (three bytes per UTF-16 unit may exceed `maxBytes`) or that holds a
 * byte to escape. Same bytes as the general path (the index key spec compares them).
 */
function shortAscendingString(text: string, maxBytes: number): Buffer | undefined {
  if (text.length * 3 > maxBytes) return undefined;
  const out = Buffer.allocUnsafe(text.length * 3 + 2);
  out[0] = RANK_STRING;
  const written = out.write(text, 1, 'utf8');
  const end = 1 + written;
  for (let index = 1; index < end; index += 1) if ((out[index] as number) <= 0x01) return undefined;
  out[end] = 0x00;
  return out.subarray(0, end + 1);
}

/** A component by the general path: any value, either direction, cut and escaped. */
export function anyComponent(value: unknown, direction: 1 | -1, maxBytes: number): Buffer {
  const body = escape(valueBytes(value, maxBytes));
  if (direction === 1) return Buffer.concat([body, Buffer.of(0x00)]);
  const inverted = Buffer.allocUnsafe(body.length + 2);
  for (let index = 0; index < body.length; index += 1) inverted[index] = 0xff - (body[index] as number);
  inverted[body.length] = 0xff;
  inverted[body.length + 1] = 0x00;
  return inverted;
}

function valueBytes(value: unknown, maxBytes: number): Buffer {
  if (value === null || value === undefined) return Buffer.of(RANK_NULL);
  if (typeof value === 'number') return Buffer.concat([Buffer.of(RANK_NUMBER), Buffer.from(numberHex(value), 'latin1')]);
  if (typeof value === 'string') return Buffer.concat([Buffer.of(RANK_STRING), cutUtf8(value, maxBytes)]);
  if (typeof value === 'boolean') return Buffer.of(RANK_BOOLEAN, value ? 1 : 0);
  const json = cutUtf8(JSON.stringify(value), maxBytes);
  if (Array.isArray(value)) return Buffer.concat([Buffer.of(RANK_ARRAY), json]);
  if (typeof value === 'object') return Buffer.concat([Buffer.of(RANK_OBJECT), json]);
  return Buffer.concat([Buffer.of(RANK_OTHER), json]);
}

/** UTF-8 bytes of `text`, at most `maxBytes`, not splitting a character. */
function cutUtf8(text: string, maxBytes: number): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return bytes;
  let end = maxBytes;
  // Back off continuation bytes (10xxxxxx) so the cut falls on a character boundary.
  while (end > 0 && ((bytes[end] as number) & 0xc0) === 0x80) end -= 1;
  return bytes.subarray(0, end);
}

/** 16 hex digits whose string order is the numeric order of float64 values (-0 as 0). */
function numberHex(value: number): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value === 0 ? 0 : value);
  let high = view.getUint32(0);
  let low = view.getUint32(4);
  if ((high & 0x80000000) !== 0) {
    high = ~high >>> 0;
    low = ~low >>> 0;
  } else {
    high = (high | 0x80000000) >>> 0;
  }
  return high.toString(16).padStart(8, '0') + low.toString(16).padStart(8, '0');
}

function escape(bytes: Buffer): Buffer {
  if (!bytes.includes(0x00) && !bytes.includes(0x01)) return bytes;
  const out: number[] = [];
  for (const byte of bytes) {
    if (byte === 0x00) out.push(0x01, 0x01);
    else if (byte === 0x01) out.push(0x01, 0x02);
    else out.push(byte);
  }
  return Buffer.from(out);
}
