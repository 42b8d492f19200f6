/**
 * How many events the relay is behind, for the lag gauge. Positions are opaque, but both event
 * store adapters write fixed-width hex whose leading 16 digits grow along the log (the embedded
 * store's sequence, so this counts events; EventStoreDB's commit position, so it counts bytes).
 * Same reasoning as the projector's lag; kept here so the relay does not reach into another service.
 */
import { START_POSITION, type Position } from '@keystream/eventstore';

const HEX = /^[0-9a-f]{16}(?:[0-9a-f]{16})?$/;

function counterOf(position: Position): bigint | undefined {
  if (position === START_POSITION) return 0n;
  return HEX.test(position) ? BigInt(`0x${position.slice(0, 16)}`) : undefined;
}

/** `head - from` (0 when at or past it), or undefined when the positions are not of that form. */
export function positionLag(from: Position, head: Position): number | undefined {
  const start = counterOf(from);
  const end = counterOf(head);
  if (start === undefined || end === undefined) return undefined;
  return end > start ? Number(end - start) : 0;
}
