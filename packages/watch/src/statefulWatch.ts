/**
 * A stateful watch (`type: STATEFUL`, the default): one page of order_by/page_size/page_token.
 *
 * The page is recomputed with the same keyset query List runs whenever a change could touch it
 * (its document is on the page, or matches the selection before or after), and the client's page
 * is diffed into Added/Modified/Removed with view indexes (pageDiff). So after every response the
 * client's page equals the server's page at that moment, resets need no message (the next page is
 * diffed against what the client holds), and bursts coalesce into one query. A change of rights
 * (the authorization version moved) is one more reason to recompute: what the principal lost is
 * `Removed` with its view index, what it gained is `Added`.
 */
import type { ChangeLogEntry } from '@keystream/readstore';
import type { JsonObject } from '@keystream/readstore';
import { diffPaths, pageQuery, pageResult } from '@keystream/resource';
import { pageDiff, type PageItem } from './pageDiff.js';
import type { StatefulPlan } from './watchPlan.js';
import { isResetCause, WatchRunner } from './watchRunner.js';

interface Tokens {
  readonly prevPageToken?: string;
  readonly nextPageToken?: string;
}

export class StatefulWatch extends WatchRunner<StatefulPlan> {
  private page: PageItem<JsonObject>[] = [];
  /** The names on the client's page, for the per-entry relevance test in the fan-out. */
  private pageNames = new Set<string>();
  private tokens: Tokens | undefined;
  private sentInitial = false;

  protected async run(): Promise<void> {
    for (;;) {
      try {
        const head = await this.context.store.head();
        this.subscribe(head);
        await this.refresh();
        for (;;) {
          // Checked before waiting too: a move seen before the wait has no nudge left to wake it.
          if (this.authorizationMoved()) {
            await this.refresh();
            continue;
          }
          const entries = await this.take();
          if (this.authorizationMoved() || entries.some((entry) => this.pageNames.has(entry.name) || this.matcher.matches(entry.before) || this.matcher.matches(entry.after))) await this.refresh();
        }
      } catch (error) {
        if (!isResetCause(error) || this.closed) throw error;
      }
    }
  }

  /** A change to a document on the page matters even when the document no longer matches. */
  protected override isRelevant(entry: ChangeLogEntry): boolean {
    return this.pageNames.has(entry.name) || super.isRelevant(entry);
  }

  private async refresh(): Promise<void> {
    const { plan } = this;
    this.markAuthorizationSeen();
    const query = pageQuery({ query: plan.selection, orderBy: plan.orderBy, pageSize: plan.pageSize, token: plan.pageToken });
    const seek = query.token === undefined ? {} : { seek: { values: query.token.values } };
    const result = await this.context.store.query(plan.descriptor.kind, { filter: query.query, sort: query.sort, limit: query.limit, ...seek });
    this.assertOpen();
    // Visibility is applied to the fetched page; issue 7 moves it into the query so pages stay full.
    const fetched = result.documents.map((stored) => stored.document).filter((document) => this.matcher.matches(document));
    const page = pageResult(query, fetched, { key: this.context.pageTokenKey, fingerprint: plan.fingerprint });
    const next: PageItem<JsonObject>[] = page.items.map((document) => ({ name: document['name'] as string, value: this.responses.project(document) }));
    const message = plan.descriptor.message;
    const operations = pageDiff(this.page, next, (a, b) => diffPaths(message, a, b).length === 0);
    const tokens: Tokens = {
      ...(page.prevPageToken === undefined ? {} : { prevPageToken: page.prevPageToken }),
      ...(page.nextPageToken === undefined ? {} : { nextPageToken: page.nextPageToken }),
    };
    const tokensChanged = this.tokens === undefined || this.tokens.prevPageToken !== tokens.prevPageToken || this.tokens.nextPageToken !== tokens.nextPageToken;
    if (operations.length === 0 && !tokensChanged && this.sentInitial) return;
    const changes = operations.map((operation) => {
      switch (operation.op) {
        case 'removed':
          return this.responses.removed(operation.name, operation.viewIndex);
        case 'added':
          return this.responses.added(operation.item.value, operation.viewIndex);
        case 'modified':
          return this.responses.modified(operation.item.name, operation.item.value, diffPaths(message, operation.previous, operation.item.value), operation.previousViewIndex, operation.viewIndex);
        default: {
          const unreachable: never = operation;
          throw new Error(`unknown page operation ${JSON.stringify(unreachable)}`);
        }
      }
    });
    await this.emitSeries(changes, plan.maxChunkSize, tokensChanged ? { pageTokenChange: tokens } : {});
    this.page = next;
    this.pageNames = new Set(next.map((item) => item.name));
    this.tokens = tokens;
    this.sentInitial = true;
  }
}
