/**
 * Decides whether a document belongs to a watch: its selection (parent and filter, compiled once to
 * a MongoDB query and evaluated with mingo, as the stores do) and the principal's visibility.
 *
 * Both are evaluated by the watch's {@link FanoutGroup}: the filter once per document version for
 * every watch with the same selection, visibility once per document version and principal, so
 * 10k dashboards with the same filter cost one evaluation per change, not 10k.
 */
import type { JsonObject } from '@keystream/readstore';
import type { FanoutGroup } from './fanoutGroup.js';
import type { WatchPrincipal } from './watchPrincipal.js';

/** The membership test of one watch. */
export class DocumentMatcher {
  constructor(
    private readonly group: FanoutGroup,
    private readonly principal: WatchPrincipal,
  ) {}

  /** True when the document (null = absent) is selected and visible. */
  matches(document: JsonObject | null): boolean {
    return this.group.matches(this.principal, document);
  }
}
