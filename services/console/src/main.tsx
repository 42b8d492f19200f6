/**
 * The keystream console: sign in with a bearer token, pick an organization or project, and watch
 * its resources live. Every table is a stateful watch (one ordered, filtered page updated in place
 * with view indices), every counter and the change pane come from stateless watches. An
 * invitation link from a mail opens the invitee's accept page; a token the server refuses ends the
 * session on a sign-in screen that says so.
 */
import type { CacheChange, Resource } from '@keystream/client';
import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { AcceptPage } from './acceptPage.js';
import { invitationKindOf, parseInvitationFragment, type InvitationLink } from './invitationLink.js';
import { LiveConnection, watchCollection, watchPage, type LinkState, type PageView } from './liveConnection.js';
import { errorOf, restCall, type Session } from './restCall.js';
import './style.css';

const TOKEN_KEY = 'keystream.console.token';
const INVITATION_KEY = 'keystream.console.invitation';
/** The server-owned annotation naming the principal of a resource's last change (docs/decisions.md). */
const LAST_MODIFIED_BY = 'iam.keystream.io/last-modified-by';
const PAGE_SIZE = 20;

/** One table of the console: which watch serves it for a scope. */
interface TableKind {
  readonly key: string;
  readonly title: string;
  readonly method: string;
  readonly singular: string;
  /** The request's parent for a scope, or undefined when the kind has none there. */
  readonly parent: (scope: string) => string | undefined;
  readonly describe: (resource: Resource) => string;
}

const text = (value: unknown): string => (typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value));
const projectScoped = (scope: string): boolean => scope.startsWith('projects/');

const TABLES: readonly TableKind[] = [
  { key: 'projects', title: 'Projects', method: 'WatchProjects', singular: 'project', parent: (scope) => (projectScoped(scope) ? undefined : ''), describe: (r) => text(r['title'] ?? r['parentOrganization']) },
  { key: 'groups', title: 'Groups', method: 'WatchGroups', singular: 'group', parent: (scope) => scope, describe: (r) => text(r['displayName']) },
  { key: 'members', title: 'Group members', method: 'WatchGroupMembers', singular: 'groupMember', parent: (scope) => `${scope}/groups/-`, describe: (r) => text(r['member']) },
  { key: 'roleBindings', title: 'Role bindings', method: 'WatchRoleBindings', singular: 'roleBinding', parent: (scope) => scope, describe: (r) => `${text(r['member'])} → ${text(r['role'])}` },
  { key: 'serviceAccounts', title: 'Service accounts', method: 'WatchServiceAccounts', singular: 'serviceAccount', parent: (scope) => (projectScoped(scope) ? `${scope}/regions/-` : undefined), describe: (r) => text(r['displayName'] ?? r['email']) },
  { key: 'invitations', title: 'Invitations', method: 'WatchProjectInvitations', singular: 'projectInvitation', parent: (scope) => (projectScoped(scope) ? scope : undefined), describe: (r) => text((r['invitation'] as Record<string, unknown> | undefined)?.['inviteeEmail']) },
  { key: 'orgInvitations', title: 'Invitations', method: 'WatchOrganizationInvitations', singular: 'organizationInvitation', parent: (scope) => (projectScoped(scope) ? undefined : scope), describe: (r) => text((r['invitation'] as Record<string, unknown> | undefined)?.['inviteeEmail']) },
];

function watchUrl(): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/watch`;
}

/** Who last changed a resource, from its server-owned annotation; undefined for data written before it existed. */
function lastModifiedByOf(resource: Resource | undefined): string | undefined {
  const annotations = (resource?.['metadata'] as Record<string, unknown> | undefined)?.['annotations'] as Record<string, unknown> | undefined;
  const value = annotations?.[LAST_MODIFIED_BY];
  return typeof value === 'string' ? value : undefined;
}

function SignIn(props: { readonly onToken: (token: string) => void; readonly refusal: string | undefined; readonly invitation: InvitationLink | undefined }) {
  const [value, setValue] = useState('');
  return (
    <form class="sign-in" onSubmit={(event) => { event.preventDefault(); if (value.trim() !== '') props.onToken(value.trim()); }}>
      <h1>keystream console</h1>
      {props.refusal === undefined ? null : (
        <p class="error" id="token-refused">The server refused the token you signed in with, so the console stopped using it ({props.refusal}). Sign in with a valid token.</p>
      )}
      {props.invitation === undefined ? null : (
        <p class="hint" id="invitation-sign-in">Sign in to see your invitation to {invitationKindOf(props.invitation.name)?.scope ?? props.invitation.name}, and accept or decline it.</p>
      )}
      <p>Paste a bearer token (<code>keystream token &lt;subject&gt;</code> with the development issuer, or an OIDC token).</p>
      <textarea id="token" rows={4} value={value} onInput={(event) => { setValue((event.target as HTMLTextAreaElement).value); }} />
      <button id="sign-in" type="submit">Sign in</button>
    </form>
  );
}

const INVITATION_KEYS = new Set(['invitations', 'orgInvitations']);
const ROLES = ['scope-viewer', 'scope-editor', 'scope-admin'];

/** A REST call with the signed-in token; resolves with the error message, or undefined when it succeeded. */
async function call(session: Session, method: string, route: string, body?: unknown): Promise<string | undefined> {
  return errorOf(await restCall(session, method, route, body));
}

/** Invites someone to the scope: creates an invitation; the table shows it through its watch. */
function InviteForm(props: { readonly session: Session; readonly kind: TableKind; readonly parent: string; readonly onError: (error: string | undefined) => void }) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState(ROLES[0] as string);
  const submit = async (): Promise<void> => {
    const collection = props.kind.key === 'invitations' ? 'projectInvitations' : 'organizationInvitations';
    // The REST body of Create*Invitation is the invitation resource itself (docs/openapi.json).
    const body = { invitation: { inviteeEmail: email, bindingRoles: [{ role: `services/iam.edgelq.com/roles/${role}` }] } };
    const error = await call(props.session, 'POST', `/v1/${props.parent}/${collection}`, body);
    props.onError(error);
    if (error === undefined) setEmail('');
  };
  return (
    <form class="invite" onSubmit={(event) => { event.preventDefault(); void submit(); }}>
      <input id="invite-email" type="email" placeholder="invitee@example.com" value={email} onInput={(event) => { setEmail((event.target as HTMLInputElement).value); }} />
      <select id="invite-role" value={role} onChange={(event) => { setRole((event.target as HTMLSelectElement).value); }}>
        {ROLES.map((name) => <option key={name} value={name}>{name}</option>)}
      </select>
      <button id="invite" type="submit">invite</button>
    </form>
  );
}

/** One live table: a stateful watch with a server-side filter, order and paging. */
function LiveTable(props: { readonly connection: LiveConnection; readonly kind: TableKind; readonly parent: string; readonly session: Session }) {
  const { connection, kind, parent, session } = props;
  const invitations = INVITATION_KEYS.has(kind.key);
  const [actionError, setActionError] = useState<string | undefined>(undefined);
  const [filter, setFilter] = useState('');
  const [appliedFilter, setAppliedFilter] = useState('');
  const [orderBy, setOrderBy] = useState('name');
  const [pageToken, setPageToken] = useState<string | undefined>(undefined);
  const [view, setView] = useState<PageView>({ rows: [], error: undefined, nextPageToken: undefined, prevPageToken: undefined });
  useEffect(() => {
    const request: Record<string, unknown> = { pageSize: PAGE_SIZE, orderBy };
    if (parent !== '') request['parent'] = parent;
    if (appliedFilter !== '') request['filter'] = appliedFilter;
    if (pageToken !== undefined) request['pageToken'] = pageToken;
    return watchPage(connection, kind.method, kind.singular, request, setView);
  }, [connection, kind, parent, appliedFilter, orderBy, pageToken]);
  return (
    <section class="table" data-table={kind.key}>
      <header>
        <h2>{kind.title}</h2>
        <form onSubmit={(event) => { event.preventDefault(); setPageToken(undefined); setAppliedFilter(filter); }}>
          <input placeholder='filter, e.g. displayName = "ops"' value={filter} onInput={(event) => { setFilter((event.target as HTMLInputElement).value); }} />
        </form>
        <select value={orderBy} onChange={(event) => { setPageToken(undefined); setOrderBy((event.target as HTMLSelectElement).value); }}>
          <option value="name">by name</option>
          <option value="name desc">by name, descending</option>
        </select>
      </header>
      {invitations ? <InviteForm session={session} kind={kind} parent={parent} onError={setActionError} /> : null}
      {view.error === undefined ? null : <p class="error">{view.error}</p>}
      {actionError === undefined ? null : <p class="error action">{actionError}</p>}
      <table>
        <tbody>
          {view.rows.map((row) => (
            <tr key={row.name} data-name={row.name}>
              <td class="name">{row.name}</td>
              <td>{kind.describe(row)}</td>
              <td class="when">{text((row['metadata'] as Record<string, unknown> | undefined)?.['updateTime'])}</td>
              <td class="who">{lastModifiedByOf(row) ?? ''}</td>
              {invitations ? (
                <td>
                  <button class="resend" onClick={() => { void call(session, 'POST', `/v1/${row.name ?? ''}:resend`, {}).then(setActionError); }}>resend</button>
                  <button class="revoke" onClick={() => { void call(session, 'DELETE', `/v1/${row.name ?? ''}`).then(setActionError); }}>revoke</button>
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
      <footer>
        <button disabled={view.prevPageToken === undefined} onClick={() => { setPageToken(view.prevPageToken); }}>previous</button>
        <button disabled={view.nextPageToken === undefined} onClick={() => { setPageToken(view.nextPageToken); }}>next</button>
      </footer>
    </section>
  );
}

/** A change as the pane shows it. */
interface ChangeLine {
  readonly key: number;
  readonly what: string;
  readonly name: string;
  readonly when: string;
  /** The principal of the change; undefined for a deletion, which a watch delivers as a name only. */
  readonly who: string | undefined;
}

let changeSerial = 0;

function lineOf(kind: TableKind, change: CacheChange): ChangeLine {
  const meta = change.type === 'current' ? (change.resource['metadata'] as Record<string, unknown> | undefined) : undefined;
  const what = change.type === 'removed' ? 'deleted' : change.previous === undefined ? 'created' : 'updated';
  const when = text(meta?.['updateTime'] ?? meta?.['createTime']) || new Date().toISOString();
  const who = change.type === 'current' ? lastModifiedByOf(change.resource) : undefined;
  return { key: (changeSerial += 1), what: `${kind.singular} ${what}`, name: change.name, when, who };
}

function Console(props: { readonly session: Session; readonly onSignOut: () => void; readonly initialScope: string | undefined }) {
  const { session } = props;
  const connection = useMemo(() => new LiveConnection(watchUrl(), session.token, session.refused), [session]);
  const [link, setLink] = useState<LinkState>(connection.state);
  const [scopes, setScopes] = useState<readonly string[]>([]);
  const [scope, setScope] = useState<string | undefined>(props.initialScope);
  const [counts, setCounts] = useState<Record<string, number | string>>({});
  const [changes, setChanges] = useState<readonly ChangeLine[]>([]);
  useEffect(() => {
    connection.onState = setLink;
    const found = new Map<string, readonly string[]>();
    const publish = (key: string, names: readonly string[]): void => {
      found.set(key, names);
      setScopes([...(found.get('o') ?? []), ...(found.get('p') ?? [])]);
    };
    const stops = [
      watchCollection(connection, 'WatchOrganizations', 'organization', {}, (cache) => { publish('o', [...cache.resources.keys()].sort()); }),
      watchCollection(connection, 'WatchProjects', 'project', {}, (cache) => { publish('p', [...cache.resources.keys()].sort()); }),
    ];
    return () => {
      for (const stop of stops) stop();
      connection.close();
    };
  }, [connection]);
  const kinds = scope === undefined ? [] : TABLES.filter((kind) => kind.parent(scope) !== undefined);
  useEffect(() => {
    if (scope === undefined) return undefined;
    setCounts({});
    setChanges([]);
    const stops = kinds.map((kind) => {
      const parent = kind.parent(scope) ?? '';
      let synced = false;
      return watchCollection(connection, kind.method, kind.singular, parent === '' ? {} : { parent }, (cache, committed, error) => {
        setCounts((previous) => ({ ...previous, [kind.key]: error ?? cache.resources.size }));
        // The first snapshot is the state, not news: only later changes reach the pane.
        if (synced && committed.length > 0) setChanges((previous) => [...committed.map((change) => lineOf(kind, change)).reverse(), ...previous].slice(0, 50));
        if (cache.isSynced) synced = true;
      });
    });
    return () => {
      for (const stop of stops) stop();
    };
  }, [connection, scope]);
  return (
    <div class="console">
      <header class="top">
        <h1>keystream console</h1>
        <span id="link-state" class={`link ${link}`}>{link}</span>
        <select id="scope" value={scope ?? ''} onChange={(event) => { const value = (event.target as HTMLSelectElement).value; setScope(value === '' ? undefined : value); }}>
          <option value="">pick an organization or project</option>
          {scopes.map((name) => <option key={name} value={name}>{name}</option>)}
        </select>
        <button id="sign-out" onClick={props.onSignOut}>sign out</button>
      </header>
      {scope === undefined ? <p class="hint">{scopes.length === 0 ? 'Nothing you may list yet.' : 'Pick an organization or project.'}</p> : (
        <main>
          <div class="counters">
            {kinds.map((kind) => (
              <div class="counter" key={kind.key} data-counter={kind.key}><span class="value">{String(counts[kind.key] ?? '…')}</span> {kind.title.toLowerCase()}</div>
            ))}
          </div>
          <div class="grid">
            <div class="tables">
              {kinds.map((kind) => <LiveTable key={`${scope}:${kind.key}`} connection={connection} kind={kind} parent={kind.parent(scope) ?? ''} session={session} />)}
            </div>
            <aside class="changes" id="changes">
              <h2>Live changes</h2>
              <ol>
                {changes.map((line) => (
                  <li key={line.key}>
                    <span class="what">{line.what}</span> <span class="name">{line.name}</span>{' '}
                    {line.who === undefined ? <span class="who unknown" title="a deletion reaches a watch as a name only">by —</span> : <span class="who">by {line.who}</span>}{' '}
                    <time>{line.when}</time>
                  </li>
                ))}
              </ol>
            </aside>
          </div>
        </main>
      )}
    </div>
  );
}

/**
 * The invitation a mail link opened, if any. The link's fragment is moved into the tab's
 * sessionStorage and out of the address bar, so the one-time code is not left on screen, in a
 * bookmark or in a copied URL; a reload of the tab still finds it.
 */
function takeInvitationLink(): InvitationLink | undefined {
  const fromLink = parseInvitationFragment(location.hash);
  if (fromLink !== undefined) {
    sessionStorage.setItem(INVITATION_KEY, JSON.stringify(fromLink));
    history.replaceState(null, '', `${location.pathname}${location.search}`);
    return fromLink;
  }
  const stored = sessionStorage.getItem(INVITATION_KEY);
  if (stored === null) return undefined;
  const parsed = JSON.parse(stored) as { name?: unknown; code?: unknown };
  return typeof parsed.name === 'string' && invitationKindOf(parsed.name) !== undefined ? { name: parsed.name, code: typeof parsed.code === 'string' ? parsed.code : undefined } : undefined;
}

function App() {
  const [token, setToken] = useState<string | null>(sessionStorage.getItem(TOKEN_KEY));
  const [refusal, setRefusal] = useState<string | undefined>(undefined);
  const [invitation, setInvitation] = useState<InvitationLink | undefined>(takeInvitationLink);
  const [initialScope, setInitialScope] = useState<string | undefined>(undefined);
  useEffect(() => {
    // A second mail link opened in a tab that has the console already.
    const onHash = (): void => {
      const found = takeInvitationLink();
      if (found !== undefined) setInvitation(found);
    };
    window.addEventListener('hashchange', onHash);
    return () => {
      window.removeEventListener('hashchange', onHash);
    };
  }, []);
  const session = useMemo<Session | undefined>(() => {
    if (token === null) return undefined;
    let refused = false;
    return {
      token,
      // Once per token: every watch and call refused with it would say the same.
      refused: (reason) => {
        if (refused) return;
        refused = true;
        sessionStorage.removeItem(TOKEN_KEY);
        setRefusal(reason);
        setToken(null);
      },
    };
  }, [token]);
  if (session === undefined) {
    return <SignIn refusal={refusal} invitation={invitation} onToken={(value) => { sessionStorage.setItem(TOKEN_KEY, value); setRefusal(undefined); setToken(value); }} />;
  }
  if (invitation !== undefined) {
    return (
      <AcceptPage
        session={session}
        link={invitation}
        onDone={(scope) => {
          sessionStorage.removeItem(INVITATION_KEY);
          setInitialScope(scope);
          setInvitation(undefined);
        }}
      />
    );
  }
  return <Console session={session} initialScope={initialScope} onSignOut={() => { sessionStorage.removeItem(TOKEN_KEY); setToken(null); }} />;
}

const root = document.getElementById('app');
if (root !== null) render(<App />, root);
