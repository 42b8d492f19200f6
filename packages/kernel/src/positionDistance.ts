/**
 * An estimate of how far apart two positions are, for lag gauges. Positions are opaque, but both
 * event-store adapters write fixed-width lowercase hex whose leading 16 digits are a 64-bit
 * counter that grows along the log: the embedded store's sequence number (so the distance counts
 * events) and EventStoreDB's commit position (so it counts bytes of the transaction log).
 * Anything else is reported as not computable rather than guessed.
 */
import { START_POSITION, type Position } from './position.js';

const HEX = /^[0-9a-f]{16}(?:[0-9a-f]{16})?$/;

function leadingCounter(position: Position): bigint | undefined {
  if (!HEX.test(position)) return undefined;
  return BigInt(`0x${position.slice(0, 16)}`);
}

/**
 * `to - from` along the log (0 when `from` is at or past `to`), or undefined when the positions
 * are not in a form whose distance is known. {@link START_POSITION} counts as 0.
 */
export function positionDistance(from: Position, to: Position): number | undefined {
  const end = to === START_POSITION ? 0n : leadingCounter(to);
  const start = from === START_POSITION ? 0n : leadingCounter(from);
  if (end === undefined || start === undefined) return undefined;
  if (from !== START_POSITION && to !== START_POSITION && from.length !== to.length) return undefined;
  return end > start ? Number(end - start) : 0;
}
