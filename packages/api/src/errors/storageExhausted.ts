/**
 * A store that cannot write because its disk (or its configured size) is full. Writes are refused
 * with RESOURCE_EXHAUSTED and HTTP 507 Insufficient Storage (429, the code's usual status, would
 * tell the client to slow down; slowing down does not free a disk), naming the cause. Nothing of
 * the refused write is kept, so a retry once space is free is safe.
 */
import { KeystreamError, isKeystreamError } from './keystreamError.js';

/** HTTP status of a write refused for lack of storage. */
export const INSUFFICIENT_STORAGE = 507;

/** Marks the errors built by {@link storageExhausted}. */
const STORAGE_EXHAUSTED = Symbol.for('keystream.storageExhausted');

/** errno values (and LMDB's own code) that mean "no room to write". */
const NO_SPACE_CODES: ReadonlySet<unknown> = new Set(['ENOSPC', 'EDQUOT', 28, 122, -28, -122, 'MDB_MAP_FULL', -30792]);

/** errno values of an I/O error (EIO). */
const IO_ERROR_CODES: ReadonlySet<unknown> = new Set(['EIO', 5, -5]);

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

function codeOf(error: unknown): unknown {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, errno } = error as { code?: unknown; errno?: unknown };
  return code ?? errno;
}

/**
 * The no-space error behind `error`, if that is what it is. lmdb-js rejects a failed commit with
 * a generic error whose `commitError` is a promise of the real one, which must be awaited (and
 * handled: left alone it is an unhandled rejection that ends the process).
 */
export async function noSpaceCauseOf(error: unknown): Promise<Error | undefined> {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth += 1) {
    const message = (current as { message?: unknown }).message;
    // LMDB answers commits that race a page write lost to a full disk with EIO (the write that
    // failed with ENOSPC may be another transaction's of the same batch): on a store that writes
    // pages this way, an EIO of a commit is that full disk, and nothing of the commit was kept.
    if (IO_ERROR_CODES.has(codeOf(current)) && current instanceof Error) return current;
    if (NO_SPACE_CODES.has(codeOf(current)) || (typeof message === 'string' && /no space left on device|MDB_MAP_FULL/i.test(message))) {
      return current instanceof Error ? current : new Error(typeof message === 'string' ? message : 'no space left on device');
    }
    // lmdb-js attaches the commit's failure as `commitError`: a promise of its own making (a
    // thenable that is not always a `Promise` instance) that rejects with the cause.
    const commitError = (current as { commitError?: unknown }).commitError;
    if (isThenable(commitError)) {
      current = await Promise.resolve(commitError).then(
        () => undefined,
        (cause: unknown) => cause,
      );
      continue;
    }
    if (commitError instanceof Error) {
      current = commitError;
      continue;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * The refusal of a write to `store` that found no space. The message names the cause but no
 * server path (callers see it); the cause, with the path, is kept for the logs.
 */
export function storageExhausted(store: string, cause: Error): KeystreamError {
  const error = new KeystreamError(
    'RESOURCE_EXHAUSTED',
    `the ${store} cannot write: no space left on its storage device; nothing of this request was written, and writes resume by themselves once space is freed`,
    [],
    { httpStatus: INSUFFICIENT_STORAGE, cause },
  );
  return markStorageExhausted(error);
}

/** Marks an error as a refusal for lack of storage (one that crossed a process boundary, say). */
export function markStorageExhausted(error: KeystreamError): KeystreamError {
  Object.defineProperty(error, STORAGE_EXHAUSTED, { value: true });
  return error;
}

/**
 * Whether `error` is a write refused for lack of storage: one built by {@link storageExhausted},
 * or a file system error saying so (ENOSPC, EDQUOT), e.g. of an event-stream file.
 */
export function isStorageExhausted(error: unknown): boolean {
  if (isKeystreamError(error)) return (error as unknown as Record<symbol, unknown>)[STORAGE_EXHAUSTED] === true;
  const code = codeOf(error);
  return code === 'ENOSPC' || code === 'EDQUOT';
}
