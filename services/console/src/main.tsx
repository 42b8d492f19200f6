/**
 * The keystream console: sign in with a bearer token, pick an organization or project, and watch
 * its resources live. Every table is a stateful watch (one ordered, filtered page updated in place
 * with view indices), every counter and the change pane come from stateless watches.
 */
import type { CacheChange, Resource } from '@keystream/client';
import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { LiveConnection, watchCollection, watchPage, type LinkState, type PageView } from './liveConnection.js';
import './style.css';

const TOKEN_KEY = 'keystream.console.token';
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

function SignIn(props: { readonly onToken: (token: string) => void }) {
  const [value, setValue] = useState('');
  return (
    <form class="sign-in" onSubmit={(event) => { event.preventDefault(); if (value.trim() !== '') props.onToken(value.trim()); }}>
      <h1>keystream console</h1>
      <p>Paste a bearer token (<code>keystream token &lt;subject&gt;</code> with the development issuer, or an OIDC token).</p>
      <textarea id="token" rows={4} value={value} onInput={(event) => { setValue((event.target as HTMLTextAreaElement).value); }} />
      <button id="sign-in" type="submit">Sign in</button>
    </form>
  );
}

const INVITATION_KEYS = new Set(['invitations', 'orgInvitations']);
const ROLES = ['scope-viewer', 'scope-editor', 'scope-admin'];

/** A REST call with the signed-in token; resolves with the error message, or undefined when it succeeded. */
async function call(token: string, method: string, route: string, body?: unknown): Promise<string | undefined> {
  const response = await fetch(route, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  if (response.ok) return undefined;
  const answer = (await response.json().catch(() => ({}))) as { error?: { status?: string; message?: string } };
  return `${answer.error?.status ?? String(response.status)}: ${answer.error?.message ?? ''}`;
}

/** Invites someone to the scope: creates an invitation; the table shows it through its watch. */
function InviteForm(props: { readonly token: string; readonly kind: TableKind; readonly parent: string; readonly onError: (error: string | undefined) => void }) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState(ROLES[0] as string);
  const submit = async (): Promise<void> => {
    const collection = props.kind.key === 'invitations' ? 'projectInvitations' : 'organizationInvitations';
    // The REST body of Create*Invitation is the invitation resource itself (docs/openapi.json).
    const body = { invitation: { inviteeEmail: email, bindingRoles: [{ role: `services/iam.edgelq.com/roles/${role}` }] } };
    const error = await call(props.token, 'POST', `/v1/${props.parent}/${collection}`, body);
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
function LiveTable(props: { readonly connection: LiveConnection; readonly kind: TableKind; readonly parent: string; readonly token: string }) {
  const { connection, kind, parent, token } = props;
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
      {invitations ? <InviteForm token={token} kind={kind} parent={parent} onError={setActionError} /> : null}
      {view.error === undefined ? null : <p class="error">{view.error}</p>}
      {actionError === undefined ? null : <p class="error action">{actionError}</p>}
      <table>
        <tbody>
          {view.rows.map((row) => (
            <tr key={row.name} data-name={row.name}>
              <td class="name">{row.name}</td>
              <td>{kind.describe(row)}</td>
              <td class="when">{text((row['metadata'] as Record<string, unknown> | undefined)?.['updateTime'])}</td>
              {invitations ? (
                <td>
                  <button class="resend" onClick={() => { void call(token, 'POST', `/v1/${row.name ?? ''}:resend`, {}).then(setActionError); }}>resend</button>
                  <button class="revoke" onClick={() => { void call(token, 'DELETE', `/v1/${row.name ?? ''}`).then(setActionError); }}>revoke</button>
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
}

let changeSerial = 0;

function lineOf(kind: TableKind, change: CacheChange): ChangeLine {
  const meta = change.type === 'current' ? (change.resource['metadata'] as Record<string, unknown> | undefined) : undefined;
  const what = change.type === 'removed' ? 'deleted' : change.previous === undefined ? 'created' : 'updated';
  const when = text(meta?.['updateTime'] ?? meta?.['createTime']) || new Date().toISOString();
  return { key: (changeSerial += 1), what: `${kind.singular} ${what}`, name: change.name, when };
}

function Console(props: { readonly token: string; readonly onSignOut: () => void }) {
  const connection = useMemo(() => new LiveConnection(watchUrl(), props.token), [props.token]);
  const [link, setLink] = useState<LinkState>(connection.state);
  const [scopes, setScopes] = useState<readonly string[]>([]);
  const [scope, setScope] = useState<string | undefined>(undefined);
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
              {kinds.map((kind) => <LiveTable key={`${scope}:${kind.key}`} connection={connection} kind={kind} parent={kind.parent(scope) ?? ''} token={props.token} />)}
            </div>
            <aside class="changes" id="changes">
              <h2>Live changes</h2>
              <ol>
                {changes.map((line) => <li key={line.key}><span class="what">{line.what}</span> <span class="name">{line.name}</span> <time>{line.when}</time></li>)}
              </ol>
            </aside>
          </div>
        </main>
      )}
    </div>
  );
}

function App() {
  const [token, setToken] = useState<string | null>(sessionStorage.getItem(TOKEN_KEY));
  if (token === null) return <SignIn onToken={(value) => { sessionStorage.setItem(TOKEN_KEY, value); setToken(value); }} />;
  return <Console token={token} onSignOut={() => { sessionStorage.removeItem(TOKEN_KEY); setToken(null); }} />;
}

const root = document.getElementById('app');
if (root !== null) render(<App />, root);
