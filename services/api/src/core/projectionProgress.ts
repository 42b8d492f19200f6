/**
 * How far the read model has got. The query side waits on it for read-your-writes
 * (`x-keystream-min-position`); the projector implements it.
 */
export interface ProjectionProgress {
  /** Resolves once everything up to `position` is projected; rejects UNAVAILABLE after `timeoutMs`. */
  waitForPosition(position: string, timeoutMs: number): Promise<void>;
}
