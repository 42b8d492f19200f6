/**
 * The invitation abuse battery: every way of getting a grant one should not get, tried many times
 * through the authorizing dispatcher on a real core, counting successes. Each case must end with
 * 0 successful abuses (and, where a legitimate use is part of the case, exactly that one). The
 * table of attempts is printed for the record (docs/invitations.md quotes it).
 */
import { expect } from 'chai';
import { KeystreamError } from '@keystream/api';
import { generateInvitationCode, type JsonObject } from '@keystream/domain';
import { readOutbox } from '@keystream/notify';
import { randomBytes, randomUUID } from 'node:crypto';
import { startAuthTestWorld, type AuthTestWorld } from '../auth/authTestWorld.js';

const VIEWER = 'services/iam.edgelq.com/roles/scope-viewer';
const ADMIN_ROLE = 'services/iam.edgelq.com/roles/scope-admin';

function id(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** Attempts and successes per case, printed at the end. */
const table: { case: string; attempts: number; successes: number; refusedWith: string }[] = [];

describe('invitation abuse battery', function () {
  this.timeout(120_000);
  let world: AuthTestWorld;
  let admin: string;
  let offsetMs = 0;

  before(async () => {
    world = await startAuthTestWorld({ clock: () => new Date(Date.now() + offsetMs) });
    admin = await world.token('admin@keystream.local');
  });
  after(async () => {
    await world.close();
    console.log('\n    abuse battery (attempts → successful abuses):');
    for (const row of table) console.log(`      ${row.case.padEnd(48)} ${String(row.attempts).padStart(5)} → ${row.successes}   (refused: ${row.refusedWith})`);
  });
  afterEach(() => {
    offsetMs = 0;
  });

  /** Runs attempts; returns how many succeeded and the refusal codes seen. */
  async function attempt(name: string, runs: readonly (() => Promise<unknown>)[]): Promise<number> {
    const outcomes = await Promise.all(
      runs.map(async (run) => {
        try {
          await run();
          return 'ok';
        } catch (error) {
          if (error instanceof KeystreamError) return error.code;
          throw error;
        }
      }),
    );
    const successes = outcomes.filter((outcome) => outcome === 'ok').length;
    table.push({ case: name, attempts: runs.length, successes, refusedWith: [...new Set(outcomes.filter((outcome) => outcome !== 'ok'))].sort().join(', ') || '—' });
    return successes;
  }

  async function project(): Promise<string> {
    const name = `projects/${id('p')}`;
    await world.call('CreateProject', { project: { name, title: 'Abuse' } }, admin);
    return name;
  }

  async function invite(scope: string, email: string, by = admin, invitation: JsonObject = {}): Promise<{ name: string; code: string }> {
    const answer = await world.call('CreateProjectInvitation', { parent: scope, projectInvitation: { invitation: { inviteeEmail: email, bindingRoles: [{ role: VIEWER }], ...invitation } } }, by);
    const name = (answer.response as JsonObject)['name'] as string;
    return { name, code: await latestCode(name) };
  }

  async function latestCode(name: string): Promise<string> {
    const mails = (await readOutbox(world.config.notifier.kind === 'outbox' ? world.config.notifier.file : '')).filter((mail) => mail.values['invitation'] === name);
    return mails[mails.length - 1]?.values['code'] ?? '';
  }

  async function viewers(scope: string): Promise<string[]> {
    await world.settle();
    const bindings = (await world.call('ListRoleBindings', { parent: scope }, admin)).response as { roleBindings?: JsonObject[] };
    return (bindings.roleBindings ?? []).filter((binding) => binding['role'] === VIEWER).map((binding) => binding['member'] as string);
  }

  it('code guessing: 2,000 well-formed and malformed guesses redeem nothing', async () => {
    const scope = await project();
    await invite(scope, `${id('victim')}@example.com`);
    const guesser = await world.token(`${id('guesser')}@example.com`);
    const guesses = [
      ...Array.from({ length: 1000 }, () => generateInvitationCode()),
      ...Array.from({ length: 1000 }, (_unused, index) => (index % 2 === 0 ? `ksi_${randomBytes(16).toString('hex')}` : randomBytes(24).toString('base64url'))),
    ];
    expect(await attempt('code guessing', guesses.map((code) => () => world.call('AcceptInvitationCode', { code }, guesser)))).to.equal(0);
    expect(await viewers(scope)).to.deep.equal([]);
  });

  it('replay after accept: the used code and the accepted name work for nobody, 40 times', async () => {
    const scope = await project();
    const bob = `${id('bob')}@example.com`;
    const { name, code } = await invite(scope, bob);
    const bobToken = await world.token(bob);
    await world.call('AcceptInvitationCode', { code }, bobToken);
    const others = await Promise.all(Array.from({ length: 10 }, () => world.token(`${id('other')}@example.com`)));
    const runs = [
      ...others.map((token) => () => world.call('AcceptInvitationCode', { code }, token)),
      ...Array.from({ length: 10 }, () => () => world.call('AcceptInvitationCode', { code }, bobToken)),
      ...Array.from({ length: 10 }, () => () => world.call('AcceptProjectInvitation', { name }, bobToken)),
      ...others.map((token) => () => world.call('AcceptProjectInvitation', { name }, token)),
    ];
    expect(await attempt('replay after accept', runs)).to.equal(0);
    expect(await viewers(scope)).to.deep.equal([`user:${bob}`]);
  });

  it('50 concurrent accepts of one bearer code by 50 users: exactly one wins, one binding', async () => {
    const scope = await project();
    const codes = (await world.call('CreateProjectInvitationCodes', { parent: scope, count: 1, projectInvitation: { invitation: { bindingRoles: [{ role: VIEWER }] } } }, admin)).response as { codes: JsonObject[] };
    const code = codes.codes[0]?.['code'] as string;
    const tokens = await Promise.all(Array.from({ length: 50 }, () => world.token(`${id('racer')}@example.com`)));
    const successes = await attempt('50 concurrent accepts (bearer code)', tokens.map((token) => () => world.call('AcceptInvitationCode', { code }, token)));
    expect(successes).to.equal(1);
    table[table.length - 1]!.successes = successes - 1;
    expect(await viewers(scope)).to.have.length(1);
  });

  it('50 concurrent accepts by name by the invitee: exactly one wins', async () => {
    const scope = await project();
    const bob = `${id('bob')}@example.com`;
    const { name } = await invite(scope, bob);
    const bobToken = await world.token(bob);
    const successes = await attempt('50 concurrent accepts (by name)', Array.from({ length: 50 }, () => () => world.call('AcceptProjectInvitation', { name }, bobToken)));
    expect(successes).to.equal(1);
    table[table.length - 1]!.successes = successes - 1;
    expect(await viewers(scope)).to.deep.equal([`user:${bob}`]);
  });

  it('expiry by the clock: 5 minutes before works, 5 minutes after is refused (by name and code), before any expiry event', async () => {
    const scope = await project();
    const soon = new Date(Date.now() + 60 * 60 * 1000).toISOString();
    const early = `${id('early')}@example.com`;
    const late = `${id('late')}@example.com`;
    const first = await invite(scope, early, admin, { expirationDate: soon });
    const second = await invite(scope, late, admin, { expirationDate: soon });
    offsetMs = 55 * 60 * 1000;
    await world.call('AcceptProjectInvitation', { name: first.name }, await world.token(early));
    offsetMs = 65 * 60 * 1000;
    const lateToken = await world.token(late);
    expect(await attempt('accept 5 min after expiry', [() => world.call('AcceptProjectInvitation', { name: second.name }, lateToken), () => world.call('AcceptInvitationCode', { code: second.code }, lateToken)])).to.equal(0);
    expect(await viewers(scope)).to.deep.equal([`user:${early}`]);
  });

  it('email mismatch: 20 other people accepting by name get nothing', async () => {
    const scope = await project();
    const { name } = await invite(scope, `${id('bob')}@example.com`);
    const others = await Promise.all(Array.from({ length: 20 }, (_unused, index) => world.token(index === 0 ? `BOB.${id('x')}@example.com` : `${id('mallory')}@example.com`)));
    expect(await attempt('email mismatch', others.map((token) => () => world.call('AcceptProjectInvitation', { name }, token)))).to.equal(0);
    expect(await viewers(scope)).to.deep.equal([]);
  });

  it('resend kills the old code: the old one fails 10 times, the new one works once', async () => {
    const scope = await project();
    const bob = `${id('bob')}@example.com`;
    const { name, code: oldCode } = await invite(scope, bob);
    await world.call('ResendProjectInvitation', { name }, admin);
    const newCode = await latestCode(name);
    expect(newCode).to.not.equal(oldCode);
    const bobToken = await world.token(bob);
    expect(await attempt('old code after resend', Array.from({ length: 10 }, () => () => world.call('AcceptInvitationCode', { code: oldCode }, bobToken)))).to.equal(0);
    await world.call('AcceptInvitationCode', { code: newCode }, bobToken);
    expect(await viewers(scope)).to.deep.equal([`user:${bob}`]);
  });

  it('scope deleted before accept: the invitation is revoked with it; name and code grant nothing', async () => {
    const scope = await project();
    const bob = `${id('bob')}@example.com`;
    const { name, code } = await invite(scope, bob);
    await world.settle();
    await world.call('DeleteProject', { name: scope }, admin);
    const bobToken = await world.token(bob);
    expect(await attempt('scope deleted before accept', [() => world.call('AcceptProjectInvitation', { name }, bobToken), () => world.call('AcceptInvitationCode', { code }, bobToken)])).to.equal(0);
    await world.settle();
    expect(await world.repository.liveResource('RoleBinding', `${scope}/roleBindings/invitation.${name.split('/').pop() ?? ''}.0`)).to.equal(undefined);
  });

  it('inviter lost the right to grant before accept: nothing is granted (no escalation)', async () => {
    const scope = await project();
    const carol = `${id('carol')}@example.com`;
    const binding = `${scope}/roleBindings/${id('carol')}`;
    await world.call('CreateRoleBinding', { parent: scope, roleBinding: { name: binding, role: ADMIN_ROLE, member: `user:${carol}` } }, admin);
    const dave = `${id('dave')}@example.com`;
    const { name, code } = await invite(scope, dave, await world.token(carol), { bindingRoles: [{ role: ADMIN_ROLE }] });
    await world.call('DeleteRoleBinding', { name: binding }, admin);
    const daveToken = await world.token(dave);
    expect(await attempt('inviter lost the right before accept', [() => world.call('AcceptProjectInvitation', { name }, daveToken), () => world.call('AcceptInvitationCode', { code }, daveToken)])).to.equal(0);
    await world.settle();
    const bindings = (await world.call('ListRoleBindings', { parent: scope }, admin)).response as { roleBindings?: JsonObject[] };
    expect((bindings.roleBindings ?? []).map((found) => found['member'])).to.not.include(`user:${dave}`);
  });

  it('escalation at invite time: an editor cannot hand out the admin role by batch rows or bulk codes', async () => {
    const scope = await project();
    const erin = `${id('erin')}@example.com`;
    await world.call('CreateRoleBinding', { parent: scope, roleBinding: { role: 'services/iam.edgelq.com/roles/scope-editor', member: `user:${erin}` } }, admin);
    const editor = await world.token(erin);
    const rows = Array.from({ length: 5 }, () => ({ invitation: { inviteeEmail: `${id('x')}@example.com`, bindingRoles: [{ role: ADMIN_ROLE }] } }));
    const outcomes = [
      ...Array.from({ length: 5 }, (_unused, index) => () => world.call('CreateProjectInvitation', { parent: scope, projectInvitation: rows[index] as JsonObject }, editor)),
      () => world.call('CreateProjectInvitationCodes', { parent: scope, count: 3, projectInvitation: { invitation: { bindingRoles: [{ role: ADMIN_ROLE }] } } }, editor),
    ];
    expect(await attempt('editor invites as admin (create, codes)', outcomes)).to.equal(0);
    const batch = (await world.call('BatchCreateProjectInvitations', { parent: scope, projectInvitations: rows }, editor)).response as { results: JsonObject[] };
    expect(batch.results.map((result) => result['status'])).to.deep.equal(rows.map(() => 'INVALID'));
    table.push({ case: 'editor invites as admin (batch rows)', attempts: rows.length, successes: batch.results.filter((result) => result['status'] === 'CREATED').length, refusedWith: 'INVALID row (PERMISSION_DENIED)' });
  });
});
