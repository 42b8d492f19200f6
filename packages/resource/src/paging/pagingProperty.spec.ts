/**
 * Property: keyset pages walked forward and then backward return every document exactly once and
 * in order, also when documents are inserted and deleted between pages (documents present
 * throughout are never skipped or repeated). The store is mingo over an array, running exactly
 * the plan's query, sort and limit, as the embedded read store does.
 */
import { resourceByKind } from '@keystream/api';
import { expect } from 'chai';
import fc from 'fast-check';
import { find } from 'mingo';
import { parseOrderBy, type OrderBy } from '../ordering/orderBy.js';
import { compareDocuments } from '../ordering/sortValues.js';
import { pageQuery } from './pageQuery.js';
import { pageResult, type Page } from './pageResult.js';
import { decodePageToken } from './pageToken.js';
import { queryFingerprint } from './queryFingerprint.js';

const descriptor = resourceByKind('RoleBinding');
const KEY = 'test-key';
interface Doc {
  readonly name: string;
  readonly [field: string]: unknown;
}

const SORTABLE = ['spec_generation', 'member_type', 'category', 'metadata.labels.env', 'metadata.create_time', 'name'];

const orderByText = fc
  .uniqueArray(fc.tuple(fc.constantFrom(...SORTABLE), fc.constantFrom('', ' asc', ' desc')), { maxLength: 3, selector: ([path]) => path })
  .map((items) => items.map(([path, direction]) => `${path}${direction}`).join(', '));

function documentArbitrary(): fc.Arbitrary<Omit<Doc, 'name'>> {
  return fc.record(
    {
      specGeneration: fc.integer({ min: 0, max: 3 }),
      memberType: fc.constantFrom('a', 'b', 'c'),
      category: fc.constantFrom('PUBLIC', 'OWNER', 'USER'),
      metadata: fc.record({
        labels: fc.record({ env: fc.constantFrom('dev', 'prod') }, { requiredKeys: [] }),
        createTime: fc.constantFrom('2024-01-01T00:00:00.000000000Z', '2024-02-01T00:00:00.000000000Z'),
      }, { requiredKeys: [] }),
    },
    { requiredKeys: [] },
  );
}

/** A mutation applied between two page requests. */
type Mutation = { readonly kind: 'insert'; readonly document: Omit<Doc, 'name'> } | { readonly kind: 'delete'; readonly pick: number };

class Store {
  documents: Doc[] = [];
  private counter = 0;
  readonly everDeleted = new Set<string>();

  insert(document: Omit<Doc, 'name'>): void {
    this.documents.push(JSON.parse(JSON.stringify({ ...document, name: `projects/p0/roleBindings/rb${this.counter++}` })) as Doc);
  }

  apply(mutation: Mutation): void {
    if (mutation.kind === 'insert') this.insert(mutation.document);
    else if (this.documents.length > 0) {
      const [removed] = this.documents.splice(mutation.pick % this.documents.length, 1);
      if (removed) this.everDeleted.add(removed.name);
    }
  }

  page(orderBy: OrderBy, pageSize: number, tokenText: string | undefined, fingerprint: string): Page<Doc> {
    const token = tokenText === undefined ? undefined : decodePageToken(tokenText, KEY, fingerprint);
    const plan = pageQuery({ query: {}, orderBy, pageSize, token });
    const fetched = find(this.documents, plan.query as Record<string, unknown>).sort(plan.sort).limit(plan.limit).all() as Doc[];
    return pageResult(plan, fetched, { key: KEY, fingerprint });
  }
}

function namesOf(documents: readonly Doc[]): string[] {
  return documents.map((document) => document.name);
}

/** Walks all pages forward, then back from the last one; mutates the store between requests. */
function walk(store: Store, orderBy: OrderBy, pageSize: number, mutations: readonly Mutation[]): { forward: Doc[]; backward: Doc[] } {
  const fingerprint = queryFingerprint({ kind: descriptor.kind, orderBy });
  let step = 0;
  const mutate = (): void => {
    const mutation = mutations[step++ % Math.max(mutations.length, 1)];
    if (mutation !== undefined && step <= mutations.length) store.apply(mutation);
  };
  const forward: Doc[] = [];
  let page = store.page(orderBy, pageSize, undefined, fingerprint);
  forward.push(...page.items);
  while (page.nextPageToken !== undefined) {
    mutate();
    page = store.page(orderBy, pageSize, page.nextPageToken, fingerprint);
    forward.push(...page.items);
  }
  const backward: Doc[] = [...page.items];
  while (page.prevPageToken !== undefined) {
    mutate();
    page = store.page(orderBy, pageSize, page.prevPageToken, fingerprint);
    backward.unshift(...page.items);
  }
  return { forward, backward };
}

function expectStrictlyOrdered(orderBy: OrderBy, documents: readonly Doc[]): void {
  const compare = compareDocuments(orderBy);
  for (let index = 1; index < documents.length; index++) {
    expect(compare(documents[index - 1], documents[index]), `${JSON.stringify(documents[index - 1])} before ${JSON.stringify(documents[index])}`).to.be.below(0);
  }
}

describe('pageQuery', () => {
  describe('having a random collection, order_by and page size', () => {
    describe('when walking forward then backward through all pages', () => {
      it('should return every document exactly once, in order, both ways', () => {
        fc.assert(
          fc.property(fc.array(documentArbitrary(), { maxLength: 40 }), orderByText, fc.integer({ min: 1, max: 7 }), (documents, order, pageSize) => {
            const store = new Store();
            for (const document of documents) store.insert(document);
            const orderBy = parseOrderBy(descriptor, order);
            const expected = namesOf([...store.documents].sort(compareDocuments(orderBy)));
            const { forward, backward } = walk(store, orderBy, pageSize, []);
            expect(namesOf(forward)).to.deep.equal(expected);
            expect(namesOf(backward)).to.deep.equal(expected);
          }),
          { numRuns: 300 },
        );
      });
    });

    describe('when documents are inserted and deleted between pages', () => {
      it('should never skip or repeat a document that stayed unchanged', () => {
        const mutation: fc.Arbitrary<Mutation> = fc.oneof(
          documentArbitrary().map((document) => ({ kind: 'insert' as const, document })),
          fc.nat().map((pick) => ({ kind: 'delete' as const, pick })),
        );
        fc.assert(
          fc.property(fc.array(documentArbitrary(), { maxLength: 40 }), orderByText, fc.integer({ min: 1, max: 7 }), fc.array(mutation, { maxLength: 20 }), (documents, order, pageSize, mutations) => {
            const store = new Store();
            for (const document of documents) store.insert(document);
            const original = namesOf(store.documents);
            const orderBy = parseOrderBy(descriptor, order);
            const { forward, backward } = walk(store, orderBy, pageSize, mutations);
            for (const walked of [forward, backward]) {
              expectStrictlyOrdered(orderBy, walked);
              const seen = new Set(namesOf(walked));
              expect(seen.size).to.equal(walked.length);
              for (const name of original) if (!store.everDeleted.has(name)) expect(seen.has(name), `${name} skipped`).to.equal(true);
            }
          }),
          { numRuns: 300 },
        );
      });
    });
  });
});
