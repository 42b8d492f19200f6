/**
 * SIGKILL while the process managers are working leaves their state and their output exactly as
 * an uninterrupted run leaves them.
 *
 * The same scripted workload (role bindings made and deleted across four projects, members
 * added to nested groups reached along two paths) runs against two `keystream start` children on
 * fresh data directories. The first is killed with SIGKILL during the burst, once the process
 * managers have made some assignments, and started again; the script then goes on (the step the
 * kill cut off is sent again with its request id). The second runs undisturbed. Afterwards both
 * must hold the same MemberAssignments and nested-group copies, each at the same resource version
 * (a command made twice would have moved it), and the same process-manager state on disk.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openLmdbConsumerState } from '@keystream/consumer';
import { DEFAULT_DEV_ADMIN, loadConfig, mintDevToken, PROCESS_MANAGER_STATE_VERSION, processManagerStateDirectory } from '@keystream/keystream';
import { startKeystreamChild, stopKeystreamChild, type KeystreamChild } from '../support/keystreamProcess.js';

const VIEWER = 'services/iam.edgelq.com/roles/scope-viewer';
const PROJECTS = ['projects/pm-a', 'projects/pm-b', 'projects/pm-c', 'projects/pm-d'];
const GROUPS = ['projects/pm-a/groups/top', 'projects/pm-a/groups/left', 'projects/pm-a/groups/right', 'projects/pm-a/groups/bottom'] as const;
const BINDINGS = 160;
/** Kill once the process managers have made this many assignments (of about 130). */
const KILL_AT_ASSIGNMENTS = 40;
const TABLES = ['member-assignments.bindings', 'nested-groups.direct', 'nested-groups.copies', 'nested-groups.groups', 'invitation-expiry.pending'];

interface Step {
  readonly method: 'POST' | 'DELETE';
  readonly path: string;
  readonly body?: object;
}

function groupEmail(group: string): string {
  const [, project, , id] = group.split('/');
  return `${id}@${project}.groups.iam.edgelq.com`;
}

/** The workload, the same for both runs: every name is given, so both logs hold the same resources. */
function workload(): Step[] {
  const steps: Step[] = [];
  for (const project of PROJECTS) steps.push({ method: 'POST', path: '/v1/projects', body: { name: project, title: project, multiRegionPolicy: {} } });
  for (const group of GROUPS) steps.push({ method: 'POST', path: `/v1/${group.split('/groups/')[0]}/groups`, body: { group: { name: group } } });
  // top ⊃ left ⊃ bottom and top ⊃ right ⊃ bottom: bottom's members reach top along two paths.
  const nest = (outer: string, inner: string, id: string): Step => ({ method: 'POST', path: `/v1/${outer}/groupMembers`, body: { groupMember: { name: `${outer}/groupMembers/${id}`, member: `group:${groupEmail(inner)}` } } });
  steps.push(nest(GROUPS[0], GROUPS[1], 'left'), nest(GROUPS[0], GROUPS[2], 'right'), nest(GROUPS[1], GROUPS[3], 'bottom'), nest(GROUPS[2], GROUPS[3], 'bottom'));
  for (let index = 0; index < BINDINGS; index += 1) {
    const project = PROJECTS[index % PROJECTS.length] as string;
    // Members repeat, so several bindings share one assignment.
    steps.push({ method: 'POST', path: `/v1/${project}/roleBindings`, body: { roleBinding: { name: `${project}/roleBindings/b${index}`, role: VIEWER, member: `user:u${index % 150}@example.com` } } });
    if (index % 7 === 6) {
      const gone = index - 5;
      steps.push({ method: 'DELETE', path: `/v1/${PROJECTS[gone % PROJECTS.length] as string}/roleBindings/b${gone}` });
    }
    if (index % 10 === 0) steps.push({ method: 'POST', path: `/v1/${GROUPS[3]}/groupMembers`, body: { groupMember: { name: `${GROUPS[3]}/groupMembers/m${index}`, member: `user:u${index}@example.com` } } });
    // One path goes: the copies in top stay (through the other), re-owned.
    if (index === 120) steps.push({ method: 'DELETE', path: `/v1/${GROUPS[0]}/groupMembers/left` });
  }
  return steps;
}

/** Sends one step; resolves with the position of the write, or throws when the connection dies. */
async function send(url: string, authorization: string, step: Step, requestId: string): Promise<string> {
  const response = await fetch(`${url}${step.path}`, {
    method: step.method,
    headers: { 'content-type': 'application/json', 'x-request-id': requestId, connection: 'close', authorization },
    ...(step.body === undefined ? {} : { body: JSON.stringify(step.body) }),
  });
  const text = await response.text();
  if (response.status !== 200) throw Object.assign(new Error(`${step.method} ${step.path} answered ${response.status}: ${text}`), { status: response.status });
  return response.headers.get('x-keystream-min-position') ?? '';
}

async function listAll(url: string, authorization: string, collection: string, field: string, minPosition: string): Promise<Record<string, unknown>[]> {
  const found: Record<string, unknown>[] = [];
  let pageToken = '';
  do {
    const response = await fetch(`${url}/v1/${collection}?page_size=500${pageToken === '' ? '' : `&page_token=${encodeURIComponent(pageToken)}`}`, {
      headers: { 'x-keystream-min-position': minPosition, connection: 'close', authorization },
    });
    expect(response.status, `list ${collection}`).to.equal(200);
    const page = (await response.json()) as Record<string, unknown>;
    found.push(...((page[field] as Record<string, unknown>[] | undefined) ?? []));
    pageToken = (page['nextPageToken'] as string | undefined) ?? '';
  } while (pageToken !== '');
  return found;
}

/** What the process managers made, as a user sees it: each assignment and copy with its resource version. */
async function outputOf(url: string, authorization: string, last: string): Promise<string[]> {
  // ListMyProjects waits for the process managers to pass `last`, then for the read model to show their writes.
  const settled = await fetch(`${url}/v1/projects:listMy`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-keystream-min-position': last, connection: 'close', authorization }, body: '{}' });
  expect(settled.status, await settled.clone().text()).to.equal(200);
  const versionOf = (resource: Record<string, unknown>): string => {
    const version = (resource['metadata'] as Record<string, unknown> | undefined)?.['resourceVersion'];
    return typeof version === 'string' ? version : '?';
  };
  const assignments = (await listAll(url, authorization, 'regions/global/memberAssignments', 'memberAssignments', last)).map((found) => `${found['name'] as string}@${versionOf(found)}`);
  const copies: string[] = [];
  for (const group of GROUPS) {
    for (const member of await listAll(url, authorization, `${group}/groupMembers`, 'groupMembers', last)) {
      const ancestry = member['minAncestryMembers'] as string[] | undefined;
      if (ancestry !== undefined && ancestry.length > 0) copies.push(`${member['name'] as string} ${member['member'] as string} [${ancestry.join(',')}]@${versionOf(member)}`);
    }
  }
  return [...assignments.sort(), ...copies.sort()];
}

async function stateOf(dataDirectory: string): Promise<{ checkpoint: string | undefined; tables: Record<string, [string, unknown][]> }> {
  const store = await openLmdbConsumerState({ path: processManagerStateDirectory(loadConfig({ KEYSTREAM_DATA_DIR: dataDirectory })), version: PROCESS_MANAGER_STATE_VERSION });
  try {
    const tables: Record<string, [string, unknown][]> = {};
    for (const table of TABLES) tables[table] = [...store.table(table)].sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0));
    return { checkpoint: store.checkpoint, tables };
  } finally {
    await store.close();
  }
}

describe('process managers under SIGKILL', function () {
  this.timeout(300_000);
  const directories: string[] = [];
  const children: KeystreamChild[] = [];

  after(async () => {
    for (const child of children) await stopKeystreamChild(child, 'SIGKILL');
    for (const directory of directories) rmSync(directory, { recursive: true, force: true });
  });

  async function start(dataDirectory: string): Promise<KeystreamChild> {
    const child = await startKeystreamChild(dataDirectory);
    children.push(child);
    return child;
  }

  it('should leave the same assignments, copies and state as an uninterrupted run, with nothing made twice', async () => {
    const steps = workload();
    const killedDirectory = mkdtempSync(path.join(tmpdir(), 'keystream-pm-kill-'));
    const cleanDirectory = mkdtempSync(path.join(tmpdir(), 'keystream-pm-clean-'));
    directories.push(killedDirectory, cleanDirectory);
    const authorization = `Bearer ${await mintDevToken(loadConfig({ KEYSTREAM_DATA_DIR: killedDirectory }), DEFAULT_DEV_ADMIN)}`;

    // The run that is killed.
    let child = await start(killedDirectory);
    const victim = child;
    // Flags read through functions: the watcher and the script set them while the other awaits.
    const run = { killed: false, scriptEnded: false, assignmentsAtKill: 0 };
    const wasKilled = (): boolean => run.killed;
    const watching = (): boolean => !run.killed && !run.scriptEnded;
    let next = 0;
    const watcher = (async () => {
      while (watching()) {
        try {
          const response = await fetch(`${victim.url}/v1/regions/global/memberAssignments?page_size=1&include_paging_info=true`, { headers: { connection: 'close', authorization } });
          const count = ((await response.json()) as { totalResultsCount?: number }).totalResultsCount ?? 0;
          if (count >= KILL_AT_ASSIGNMENTS && !wasKilled()) {
            run.killed = true;
            run.assignmentsAtKill = count;
            victim.process.kill('SIGKILL');
          }
        } catch {
          // The process is gone.
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    try {
      for (; next < steps.length && !wasKilled(); next += 1) {
        try {
          await send(victim.url, authorization, steps[next] as Step, `step-${next}`);
        } catch (error) {
          if (!wasKilled()) throw error;
          // Cut off by the kill: sent again after the restart.
          break;
        }
      }
    } finally {
      run.scriptEnded = true;
      await watcher;
    }
    expect(wasKilled(), 'the process managers made enough assignments before the script ended to be killed among them').to.equal(true);
    expect(await victim.exited).to.equal('SIGKILL');
    const atKill = await stateOf(killedDirectory);
    expect(atKill.checkpoint, 'state was committed before the kill').to.not.equal(undefined);

    child = await start(killedDirectory);
    let last = '';
    for (let index = next; index < steps.length; index += 1) last = await send(child.url, authorization, steps[index] as Step, `step-${index}`);
    const afterKill = await outputOf(child.url, authorization, last);
    await stopKeystreamChild(child);

    // The run that is not.
    // Development tokens are signed with a key of the data directory.
    const cleanAuthorization = `Bearer ${await mintDevToken(loadConfig({ KEYSTREAM_DATA_DIR: cleanDirectory }), DEFAULT_DEV_ADMIN)}`;
    child = await start(cleanDirectory);
    for (const [index, step] of steps.entries()) last = await send(child.url, cleanAuthorization, step, `step-${index}`);
    const clean = await outputOf(child.url, cleanAuthorization, last);
    await stopKeystreamChild(child);

    console.log(`      killed at ${run.assignmentsAtKill} assignments, step ${next} of ${steps.length}; ${afterKill.length} assignments and copies after the restart`);
    expect(afterKill.length).to.be.greaterThan(120);
    const onlyAfterKill = afterKill.filter((line) => !clean.includes(line));
    const onlyClean = clean.filter((line) => !afterKill.includes(line));
    expect(afterKill, `only after the kill: ${JSON.stringify(onlyAfterKill)}; only in the clean run: ${JSON.stringify(onlyClean)}`).to.deep.equal(clean);
    expect((await stateOf(killedDirectory)).tables).to.deep.equal((await stateOf(cleanDirectory)).tables);
  });
});
