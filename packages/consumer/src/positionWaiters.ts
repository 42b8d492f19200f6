/**
 * Callers waiting for the read model to reach a position (read-your-writes). They are woken by
 * the consumer when a batch is checkpointed, never by polling; each has exactly one timeout timer, which
 * is cleared when it settles, so no timer outlives its wait.
 */
import { KeystreamError } from '@keystream/api';
import { START_POSITION, comparePositions, type Position } from '@keystream/kernel';

interface Waiter {
  readonly position: Position;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * The error a timed-out wait rejects with: UNAVAILABLE (the client may retry), with a
 * `retry-after` header so the HTTP edge can pass the hint on.
 */
export function positionTimeoutError(wanted: Position, reached: Position | undefined, timeoutMs: number, what = 'the read model'): KeystreamError {
  const at = reached === undefined ? 'has not started' : `is at position ${JSON.stringify(reached)}`;
  return new KeystreamError(
    'UNAVAILABLE',
    `${what} did not reach position ${JSON.stringify(wanted)} within ${timeoutMs} ms (it ${at}); retry the request`,
    [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '1s' }],
    { headers: { 'retry-after': '1' } },
  );
}

/** A set of position waiters, released in bulk as the reached position advances. */
export class PositionWaiters {
  private waiters: Waiter[] = [];
  private reachedPosition: Position | undefined;
  private closedWith: KeystreamError | undefined;

  /** @param what names what is waited for in timeout messages (`the read model`, `authorization`). */
  constructor(private readonly what = 'the read model') {}

  /** The highest position announced with {@link advance}; undefined before the first. */
  get reached(): Position | undefined {
    return this.reachedPosition;
  }

  /** Number of callers currently waiting. */
  get size(): number {
    return this.waiters.length;
  }

  /**
   * Resolves once {@link advance} has announced a position ≥ `position`; rejects with
   * UNAVAILABLE after `timeoutMs`, or with the closing error after {@link close}.
   */
  waitFor(position: Position, timeoutMs: number): Promise<void> {
    if (this.isReached(position)) return Promise.resolve();
    if (this.closedWith !== undefined) return Promise.reject(this.closedWith);
    if (timeoutMs <= 0) return Promise.reject(positionTimeoutError(position, this.reachedPosition, timeoutMs, this.what));
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        position,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.remove(waiter);
          reject(positionTimeoutError(position, this.reachedPosition, timeoutMs, this.what));
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  /** Announces that everything up to `position` is applied; releases the waiters it satisfies. */
  advance(position: Position): void {
    if (this.reachedPosition !== undefined && comparePositions(position, this.reachedPosition) <= 0) return;
    this.reachedPosition = position;
    if (this.waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const waiter of this.waiters) {
      if (comparePositions(waiter.position, position) <= 0) {
        clearTimeout(waiter.timer);
        waiter.resolve();
      } else {
        still.push(waiter);
      }
    }
    this.waiters = still;
  }

  /** Rejects every current and future wait that is not already satisfied with `error`. */
  close(error: KeystreamError): void {
    this.closedWith ??= error;
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(error);
    }
  }

  private isReached(position: Position): boolean {
    if (position === START_POSITION) return true;
    return this.reachedPosition !== undefined && comparePositions(position, this.reachedPosition) <= 0;
  }

  private remove(waiter: Waiter): void {
    const index = this.waiters.indexOf(waiter);
    if (index >= 0) this.waiters.splice(index, 1);
  }
}
