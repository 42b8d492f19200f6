/**
 * The read store as the watch gateway's change-log tail sees it: each batch of changes is handed
 * over only after the authorization state has caught up with the event log. The change log is
 * projected from the same log, so a watch never decides whether a principal may see a change
 * with an authorization state older than that change (a revoked binding, a removed group member).
 */
import type { ChangeFeed, ChangeLogEntry, ReadStore } from '@keystream/readstore';

/** Wraps `store` so every change-log batch waits for `catchUp` first. */
export function authorizationAwareReadStore(store: ReadStore, catchUp: () => Promise<void>): ReadStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property !== 'changesSince') return Reflect.get(target, property, receiver) as unknown;
      return (position: string): ChangeFeed => {
        const feed = target.changesSince(position);
        return {
          close: () => feed.close(),
          [Symbol.asyncIterator]: (): AsyncIterator<readonly ChangeLogEntry[]> => {
            const inner = feed[Symbol.asyncIterator]();
            return {
              async next() {
                const result = await inner.next();
                if (result.done !== true) await catchUp();
                return result;
              },
              async return(value?: unknown) {
                return (await inner.return?.(value)) ?? { done: true, value: undefined };
              },
            };
          },
        };
      };
    },
  });
}
