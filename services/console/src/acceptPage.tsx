/**
 * The invitee's page: what the mail's link opens (`/console/#invitation=<name>&code=<code>`). It
 * shows the invitation as the invitee may see it — ListMy…Invitations, the self-service list of
 * invitations addressed to the signed-in email — and accepts it with the mail's code
 * (`POST /v1/invitations:acceptCode`, or by name without a code) or declines it by name. Every
 * refusal is said in words (expired, already used, replaced, revoked, another address).
 */
import { useEffect, useState } from 'preact/hooks';
import { grantsOf, invitationKindOf, invitationStatusOf, refusalText, type InvitationLink } from './invitationLink.js';
import { restCall, type RestAnswer, type Session } from './restCall.js';
import { tokenEmailOf } from './tokenIdentity.js';

type Json = Readonly<Record<string, unknown>>;

/** What the page knows of the invitation: still loading, found among the caller's, absent, or unreadable. */
type Lookup = { readonly state: 'loading' } | { readonly state: 'found'; readonly resource: Json } | { readonly state: 'absent' } | { readonly state: 'error'; readonly text: string };

/** The answer to the invitee's last action. */
interface Outcome {
  readonly ok: boolean;
  readonly text: string;
  /** The position of the write it made: the next look-up waits for it, so it shows the new state. */
  readonly position: string | undefined;
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const quoted = (value: string): string => JSON.stringify(value);

function refusal(answer: RestAnswer): string {
  return answer.ok ? '' : refusalText(answer.status, answer.message);
}

/** The page for one invitation link. `onDone(scope)` leaves it (with the scope joined, after an accept). */
export function AcceptPage(props: { readonly session: Session; readonly link: InvitationLink; readonly onDone: (scope?: string) => void }) {
  const { session, link } = props;
  const kind = invitationKindOf(link.name);
  const me = tokenEmailOf(session.token);
  const [lookup, setLookup] = useState<Lookup>({ state: 'loading' });
  const [outcome, setOutcome] = useState<Outcome | undefined>(undefined);
  const [accepted, setAccepted] = useState(false);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (kind === undefined) return undefined;
    let current = true;
    void restCall(session, 'POST', kind.listMyRoute, { filter: `name = ${quoted(link.name)}` }, outcome?.position).then((answer) => {
      if (!current) return;
      if (!answer.ok) {
        setLookup({ state: 'error', text: refusal(answer) });
        return;
      }
      const found = (Array.isArray(answer.body[kind.listField]) ? (answer.body[kind.listField] as Json[]) : []).find((item) => item['name'] === link.name);
      setLookup(found === undefined ? { state: 'absent' } : { state: 'found', resource: found });
    });
    return () => {
      current = false;
    };
    // Read again after every answer, so the page shows the state the answer left.
  }, [session, link.name, outcome]);

  if (kind === undefined) return <p class="error">This link names no invitation.</p>;

  const act = async (run: () => Promise<RestAnswer>, success: string, joined: boolean): Promise<void> => {
    setBusy(true);
    const answer = await run();
    setBusy(false);
    if (answer.ok && joined) setAccepted(true);
    setOutcome(answer.ok ? { ok: true, text: success, position: answer.position } : { ok: false, text: refusal(answer), position: undefined });
  };
  const accept = (): Promise<void> =>
    act(
      () => (link.code === undefined ? restCall(session, 'POST', `/v1/${link.name}:accept`, {}) : restCall(session, 'POST', '/v1/invitations:acceptCode', { code: link.code })),
      `You accepted the invitation: you are now a member of ${kind.scope}.`,
      true,
    );
  const decline = (): Promise<void> => act(() => restCall(session, 'POST', `/v1/${link.name}:decline`, {}), 'You declined the invitation.', false);

  const resource = lookup.state === 'found' ? lookup.resource : undefined;
  const invitation = (resource?.['invitation'] ?? {}) as Json;
  const status = resource === undefined ? undefined : invitationStatusOf(resource, new Date());
  const grants = resource === undefined ? { roles: [], groups: [] } : grantsOf(resource);
  const scopeTitle = text(resource?.['projectDisplayName']) || kind.scope;
  const signedInAs = me === undefined ? 'this token' : me;

  return (
    <div class="accept-page" id="accept-page">
      <h1>Invitation to {scopeTitle}</h1>
      <p class="hint">Signed in as <span id="signed-in-as">{signedInAs}</span>.</p>
      {lookup.state === 'loading' ? <p>Looking the invitation up…</p> : null}
      {lookup.state === 'error' ? <p class="error" id="invitation-status">{lookup.text}</p> : null}
      {resource === undefined ? null : (
        <dl class="invitation" id="invitation">
          <dt>scope</dt><dd data-field="scope">{kind.scope}{scopeTitle === kind.scope ? '' : ` (${scopeTitle})`}</dd>
          <dt>roles</dt><dd data-field="roles">{grants.roles.join(', ') || '—'}</dd>
          {grants.groups.length === 0 ? null : (<><dt>groups</dt><dd data-field="groups">{grants.groups.join(', ')}</dd></>)}
          <dt>invited by</dt><dd data-field="inviter">{text(invitation['inviterEmail']) || '—'}</dd>
          <dt>sent to</dt><dd data-field="invitee">{text(invitation['inviteeEmail'])}</dd>
          <dt>expires</dt><dd data-field="expires">{text(invitation['expirationDate'])}</dd>
        </dl>
      )}
      {status === undefined ? null : status.state === 'pending' ? null : (
        <p class="error" id="invitation-status">
          {status.state === 'accepted' ? `This invitation was already used: ${status.by || 'someone'} accepted it at ${status.at}.` : null}
          {status.state === 'declined' ? `This invitation was declined by ${status.by || 'its invitee'} at ${status.at}; it cannot be used any more.` : null}
          {status.state === 'expired' ? `This invitation expired at ${status.at}. Ask ${text(invitation['inviterEmail']) || 'the person who invited you'} to send it again.` : null}
        </p>
      )}
      {lookup.state === 'absent' ? (
        <p class="error" id="invitation-status">
          This invitation is not among the invitations addressed to {signedInAs}: it was sent to another email address, or it was revoked. Sign in with the address
          the mail was sent to{link.code === undefined ? '.' : ', or accept it with the code from the mail as ' + signedInAs + ' (the roles are then granted to you).'}
        </p>
      ) : null}
      {outcome === undefined ? null : <p class={outcome.ok ? 'ok' : 'error'} id="invitation-outcome">{outcome.text}</p>}
      <div class="actions">
        {status?.state === 'pending' && !accepted ? (
          <>
            <button id="accept-invitation" disabled={busy} onClick={() => { void accept(); }}>accept</button>
            <button id="decline-invitation" disabled={busy} onClick={() => { void decline(); }}>decline</button>
          </>
        ) : null}
        {lookup.state === 'absent' && link.code !== undefined && !accepted ? (
          <button id="accept-anyway" disabled={busy} onClick={() => { void accept(); }}>accept with the code as {signedInAs}</button>
        ) : null}
        {accepted ? <button id="open-scope" onClick={() => { props.onDone(kind.scope); }}>open {kind.scope}</button> : <button id="leave-invitation" onClick={() => { props.onDone(); }}>go to the console</button>}
      </div>
    </div>
  );
}
