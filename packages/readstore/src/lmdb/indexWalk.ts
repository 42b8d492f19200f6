/**
 * The names of one range of a sorted index in a walk's order: forwards, backwards, or either with
 * each tie read the other way (`tiesAgainstWalk`, see AccessPath). An index entry's key is its
 * values then its name, so a tie is a run of keys sharing everything but the last component.
 */
import type { Database, Transaction } from 'lmdb';
import { afterPrefix, withoutLastComponent } from './indexKey.js';
import type { KeyRange } from './accessPath.js';

/**
 * A walk holds at most this many entries of one tie to hand them out in the other direction; a
 * longer tie (a display name most of a kind leaves empty) is read again from its other end, so
 * memory does not grow with the tie.
 */
export const HELD_TIE_ENTRIES = 64;

export interface IndexWalkDirection {
  readonly reverse: boolean;
  readonly tiesAgainstWalk?: boolean;
}

/** Where reads come from: a pinned snapshot (a follower) or the newest commit. */
export interface ReadSnapshot {
  readonly transaction?: Transaction;
}

/**
 * The names in `range` in the direction's order. `seek`, when inside the range, is where the walk
 * starts (its own entry included; the query's keyset filter drops it).
 */
export function* indexNamesInOrder(index: Database<string, Buffer>, range: KeyRange, direction: IndexWalkDirection, seek: Buffer | undefined, snapshot: ReadSnapshot): Generator<string> {
  const start = seek !== undefined && Buffer.compare(seek, range.start) >= 0 && Buffer.compare(seek, range.end) < 0 ? seek : undefined;
  if (direction.tiesAgainstWalk === true) {
    yield* tiesAgainstWalk(index, range, direction.reverse, start, snapshot);
    return;
  }
  if (!direction.reverse) {
    for (const { value } of index.getRange({ start: start ?? range.start, end: range.end, ...snapshot })) yield value;
    return;
  }
  for (const { key, value } of index.getRange({ start: start ?? range.end, end: range.start, reverse: true, ...snapshot })) {
    // A backward range includes its start: the range's end is not the range's.
    if (start === undefined && Buffer.compare(key, range.end) === 0) continue;
    yield value;
  }
}

/** Keys in [lower, upper), forwards or backwards. */
function* keysBetween(index: Database<string, Buffer>, lower: Buffer, upper: Buffer, reverse: boolean, snapshot: ReadSnapshot): Generator<{ key: Buffer; value: string }> {
  if (!reverse) {
    yield* index.getRange({ start: lower, end: upper, ...snapshot });
    return;
  }
  // A backward range includes its start and excludes its end. Neither bound is ever a key here (a
  // range's ends and a tie's bounds end before a name component), so only the start is checked.
  for (const entry of index.getRange({ start: upper, end: lower, reverse: true, ...snapshot })) if (Buffer.compare(entry.key, upper) < 0) yield entry;
}

/**
 * The ties in the walk's direction, each tie's names against it. A seek starts within its tie: the
 * rest of that tie (from the seek, against the walk), then the ties after it in the walk.
 */
function* tiesAgainstWalk(index: Database<string, Buffer>, range: KeyRange, reverse: boolean, seek: Buffer | undefined, snapshot: ReadSnapshot): Generator<string> {
  // Still to walk: keys in [lower, upper). A tie's prefix is below every key of the tie and
  // afterPrefix(tie) above them, and neither is a key (every key ends with a name component).
  let lower = range.start;
  let upper = range.end;
  if (seek !== undefined) {
    const tie = withoutLastComponent(seek);
    if (reverse) {
      for (const { value } of index.getRange({ start: seek, end: afterPrefix(tie), ...snapshot })) yield value;
      upper = tie;
    } else {
      for (const { value } of index.getRange({ start: seek, end: tie, reverse: true, ...snapshot })) yield value;
      lower = afterPrefix(tie);
    }
  }
  for (;;) {
    let tie: Buffer | undefined;
    let held: string[] = [];
    let longTie = false;
    for (const { key, value } of keysBetween(index, lower, upper, reverse, snapshot)) {
      const keyTie = withoutLastComponent(key);
      if (tie !== undefined && !keyTie.equals(tie)) {
        yield* held.reverse();
        held = [];
      }
      tie = keyTie;
      held.push(value);
      if (held.length > HELD_TIE_ENTRIES) {
        longTie = true;
        break;
      }
    }
    if (!longTie || tie === undefined) {
      yield* held.reverse();
      return;
    }
    for (const { value } of keysBetween(index, tie, afterPrefix(tie), !reverse, snapshot)) yield value;
    if (reverse) upper = tie;
    else lower = afterPrefix(tie);
  }
}

/**
 * The key ranges holding the entries a walk of `range` in the direction passes before reaching
 * `seek`: the entries before the seek's in the walk's order. (`seek` + 0x00 is the smallest key
 * after it: every key ends with a component's 0x00.)
 */
export function rangesBeforeSeek(range: KeyRange, seek: Buffer, direction: IndexWalkDirection): KeyRange[] {
  const afterSeek = Buffer.concat([seek, Buffer.of(0x00)]);
  if (direction.tiesAgainstWalk !== true) return direction.reverse ? [{ start: afterSeek, end: range.end }] : [{ start: range.start, end: seek }];
  // The ties the walk passes before the seek's, then the names of its tie read before it.
  const tie = withoutLastComponent(seek);
  return direction.reverse ? [{ start: afterPrefix(tie), end: range.end }, { start: tie, end: seek }] : [{ start: range.start, end: tie }, { start: afterSeek, end: afterPrefix(tie) }];
}

/** The names in the ranges, in key order. */
export function* namesInRanges(index: Database<string, Buffer>, ranges: readonly KeyRange[], snapshot: ReadSnapshot): Generator<string> {
  for (const range of ranges) for (const { value } of index.getRange({ start: range.start, end: range.end, ...snapshot })) yield value;
}
