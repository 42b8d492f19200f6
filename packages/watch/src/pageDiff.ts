/**
 * The changes that turn a client's page into the server's page when applied in order:
 * `Removed` at its current index, a move as `Modified` from previous_view_index to view_index
 * (remove there, insert here), `Added` inserted at view_index, and in-place `Modified`.
 */

/** An item of a page as the client holds it. */
export interface PageItem<T> {
  readonly name: string;
  readonly value: T;
}

/** One operation on a page. */
export type PageOperation<T> =
  | { readonly op: 'removed'; readonly name: string; readonly viewIndex: number }
  | { readonly op: 'added'; readonly item: PageItem<T>; readonly viewIndex: number }
  | { readonly op: 'modified'; readonly item: PageItem<T>; readonly previous: T; readonly previousViewIndex: number; readonly viewIndex: number };

/**
 * Operations from `from` to `to` (names unique in each). `same(a, b)` says whether an item shows
 * the same content in both (then an unmoved item produces nothing).
 */
export function pageDiff<T>(from: readonly PageItem<T>[], to: readonly PageItem<T>[], same: (a: T, b: T) => boolean): PageOperation<T>[] {
  const operations: PageOperation<T>[] = [];
  const target = new Set(to.map((item) => item.name));
  const working: PageItem<T>[] = [];
  // Removals first, highest index first is not needed: each index is taken on the working page.
  for (const item of from) {
    if (target.has(item.name)) {
      working.push(item);
    } else {
      operations.push({ op: 'removed', name: item.name, viewIndex: working.length });
    }
  }
  for (let index = 0; index < to.length; index += 1) {
    const wanted = to[index] as PageItem<T>;
    const at = working.findIndex((item, position) => position >= index && item.name === wanted.name);
    if (at === -1) {
      working.splice(index, 0, wanted);
      operations.push({ op: 'added', item: wanted, viewIndex: index });
      continue;
    }
    const current = working[at] as PageItem<T>;
    if (at === index && same(current.value, wanted.value)) continue;
    working.splice(at, 1);
    working.splice(index, 0, wanted);
    operations.push({ op: 'modified', item: wanted, previous: current.value, previousViewIndex: at, viewIndex: index });
  }
  return operations;
}

/** Applies operations to a page (what a client does); used by tests and the client package's logic. */
export function applyPageOperations<T>(page: readonly PageItem<T>[], operations: readonly PageOperation<T>[]): PageItem<T>[] {
  const result = [...page];
  for (const operation of operations) {
    switch (operation.op) {
      case 'removed':
        result.splice(operation.viewIndex, 1);
        break;
      case 'added':
        result.splice(operation.viewIndex, 0, operation.item);
        break;
      case 'modified':
        result.splice(operation.previousViewIndex, 1);
        result.splice(operation.viewIndex, 0, operation.item);
        break;
      default: {
        const unreachable: never = operation;
        throw new Error(`unknown page operation ${JSON.stringify(unreachable)}`);
      }
    }
  }
  return result;
}
