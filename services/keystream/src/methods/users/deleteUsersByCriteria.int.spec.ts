/**
 * DeleteUsersByCriteria never deletes a user outside its criteria, and deletes every user inside
 * them: a property over random directories (addresses shared between users and written in random
 * case, auth-info providers and id prefixes), checked against an oracle written here from the
 * reference's words, through HTTP on a running keystream.
 */
import type { RestClient } from '@keystream/client';
import { expect } from 'chai';
import fc from 'fast-check';
import { DRY_RUN_HEADER } from '@keystream/service-api';
import { refusalOf, startKeystreamUnderTest, type KeystreamUnderTest } from '../testing/keystreamUnderTest.js';

interface DirectoryUser {
  readonly local: string;
  readonly upper: boolean;
  readonly provider: string | undefined;
  readonly id: string;
}

interface Criteria {
  readonly byEmail: boolean;
  /** Indexes into the pool of addresses (by email) or of created users (by name); out-of-range picks a name nobody has. */
  readonly picks: readonly number[];
  readonly provider: string | undefined;
  readonly prefix: string | undefined;
}

const LOCALS = ['ann', 'ben', 'cy', 'dee'];
const PROVIDERS = ['auth0', 'google', 'Auth0'];
const IDS = ['auth0|team-1', 'auth0|team-2', 'auth0|solo', 'google|7', ''];

const userArbitrary = fc.record({
  local: fc.constantFrom(...LOCALS),
  upper: fc.boolean(),
  provider: fc.option(fc.constantFrom(...PROVIDERS), { nil: undefined }),
  id: fc.constantFrom(...IDS),
});

const criteriaArbitrary = fc.record({
  byEmail: fc.boolean(),
  picks: fc.array(fc.nat({ max: 9 }), { minLength: 1, maxLength: 4 }),
  provider: fc.option(fc.constantFrom(...PROVIDERS), { nil: undefined }),
  prefix: fc.option(fc.constantFrom('auth0|team', 'auth0|', 'google|', 'x'), { nil: undefined }),
});

describe('DeleteUsersByCriteria (property: never outside its criteria, every user inside)', function () {
  this.timeout(180_000);
  let ks: KeystreamUnderTest;
  let admin: RestClient;
  let run = 0;

  before(async () => {
    ks = await startKeystreamUnderTest();
    admin = ks.admin;
  });

  after(async () => {
    await ks.close();
  });

  it('should delete exactly the users an independent reading of the criteria selects', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(userArbitrary, { minLength: 1, maxLength: 7 }), criteriaArbitrary, fc.boolean(), async (directory: DirectoryUser[], criteria: Criteria, dryRun) => {
        run += 1;
        const domain = `run${run}.example`;
        const created: { name: string; email: string; provider: string | undefined; id: string }[] = [];
        for (const user of directory) {
          const written = `${user.upper ? user.local.toUpperCase() : user.local}@${domain}`;
          const authInfo = user.provider === undefined && user.id === '' ? undefined : { ...(user.provider === undefined ? {} : { provider: user.provider }), ...(user.id === '' ? {} : { id: user.id }) };
          const answer = await admin.call('CreateUser', { user: { email: written, ...(authInfo === undefined ? {} : { authInfo }) } });
          created.push({ name: answer['name'] as string, email: written.toLowerCase(), provider: user.provider, id: user.id });
        }
        const values = criteria.byEmail
          ? criteria.picks.map((pick, index) => (pick < LOCALS.length ? `${index % 2 === 0 ? (LOCALS[pick] as string).toUpperCase() : (LOCALS[pick] as string)}@${domain}` : `nobody${pick}@${domain}`))
          : criteria.picks.map((pick) => created[pick]?.name ?? `users/missing-${run}-${pick}`);
        const request = {
          ...(criteria.byEmail ? { byEmail: { values } } : { byName: { values } }),
          ...(criteria.provider === undefined ? {} : { authInfoProvider: criteria.provider }),
          ...(criteria.prefix === undefined ? {} : { authInfoIdPrefix: criteria.prefix }),
        };
        // The oracle: named by the criteria (address case-insensitively, or name), provider equal, id starting with the prefix.
        const expected = created
          .filter((user) => (criteria.byEmail ? values.some((value) => value.toLowerCase() === user.email) : values.includes(user.name)))
          .filter((user) => criteria.provider === undefined || user.provider === criteria.provider)
          .filter((user) => criteria.prefix === undefined || user.id.startsWith(criteria.prefix))
          .map((user) => user.name)
          .sort();
        const answer = await admin.call('DeleteUsersByCriteria', request, dryRun ? { [DRY_RUN_HEADER]: 'true' } : {});
        expect([...((answer['deletedUsers'] as string[] | undefined) ?? [])].sort()).to.deep.equal(expected);
        for (const user of created) {
          const gone = !dryRun && expected.includes(user.name);
          if (gone) expect((await refusalOf(admin.call('GetUser', { name: user.name }))).status, `${user.name} deleted`).to.equal(404);
          else expect((await admin.call('GetUser', { name: user.name }))['name'], `${user.name} kept`).to.equal(user.name);
        }
      }),
      { numRuns: 30 },
    );
  });
});
