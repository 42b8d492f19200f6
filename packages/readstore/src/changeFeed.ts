/**
 * The ChangeFeed object both adapters hand out: iterable once, closable, tracked by its store so
 * closing the store ends every feed. Only the iteration itself differs between adapters.
 */
import type { ChangeFeed, ChangeLogEntry } from './readStore.js';

/** Wraps an adapter's feed iteration; `feeds` is the store's set of open feeds. */
export function openChangeFeed(
  feeds: Set<AbortController>,
  iterate: (abort: AbortController) => AsyncIterator<readonly ChangeLogEntry[]>,
): ChangeFeed {
  const abort = new AbortController();
  feeds.add(abort);
  let iterating = false;
  return {
    [Symbol.asyncIterator]: (): AsyncIterator<readonly ChangeLogEntry[]> => {
      if (iterating) throw new Error('a change feed can be iterated only once');
      iterating = true;
      return iterate(abort);
    },
    close: (): Promise<void> => {
      abort.abort();
      feeds.delete(abort);
      return Promise.resolve();
    },
  };
}
