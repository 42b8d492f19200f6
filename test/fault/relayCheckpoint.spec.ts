/**
 * The event stream as a consumer on the real Kafka broker sees it, published by a real
 * `keystream start` child (docs/eventstream.md):
 *
 * - A mixed workload (creates, updates, deletes of several kinds, process-manager writes): every
 *   resource event of the log on the topic exactly once, as the CloudEvent the relay maps it to,
 *   valid against its type's schema (docs/events/), in per-key order, its data what REST answers.
 *
 * - Rebuilding the read model (stop, delete the read-model directory, start) must not republish:
 *   afterwards the topic holds every event of the log exactly once.
 * - SIGKILL while publishing loses nothing: after a restart every event of the log is on the
 *   topic at least once (a batch acknowledged but not yet checkpointed may come twice).
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openLmdbEventStore, type RecordedEvent } from '@keystream/eventstore';
import { Kafka, logLevel } from 'kafkajs';
import { RestClient } from '@keystream/client';
import type { KeystreamCloudEvent } from '@keystream/eventstream';
import { KAFKA_SKIP_REASON, eventSchemaValidator, readKafkaTopic, testKafkaBrokers, type KafkaTopicReader, type ReceivedMessage } from '@keystream/eventstream/testing';
import { cloudEventOf } from '@keystream/service-relay';
import { DEFAULT_DEV_ADMIN, loadConfig, mintDevToken } from '@keystream/keystream';
import { startKeystreamChild, stopKeystreamChild, type KeystreamChild } from '../support/keystreamProcess.js';

/** Every event in the log of a stopped process's data directory, in order. */
async function loggedEvents(dataDirectory: string): Promise<RecordedEvent[]> {
  const store = openLmdbEventStore({ path: path.join(dataDirectory, 'events') });
  try {
    const events: RecordedEvent[] = [];
    for (;;) {
      const page = await store.readAll(events.at(-1)?.position ?? '', 1_000);
      events.push(...page);
      if (page.length < 1_000) return events;
    }
  } finally {
    await store.close();
  }
}

/** The CloudEvents the relay publishes for a log: its resource events, in log order. */
function publishable(log: readonly RecordedEvent[]): KeystreamCloudEvent[] {
  return log.flatMap((event) => cloudEventOf(event) ?? []);
}

/** Per key, the event ids in order, keeping the first occurrence of each id (what a deduplicating consumer keeps). */
function idsByKey(events: readonly { readonly key: string; readonly id: string }[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const seen = new Set<string>();
  for (const { key, id } of events) {
    if (seen.has(id)) continue;
    seen.add(id);
    out.set(key, [...(out.get(key) ?? []), id]);
  }
  return out;
}

const validate = eventSchemaValidator();

/**
 * What a consumer must see on the topic for this log: every resource event (nothing else), each
 * message the exact CloudEvent of its event and valid against its schema, per key in log order
 * once duplicates are dropped; a duplicate is the same event again (same ce_id, same content).
 */
function expectTopicHoldsLog(messages: readonly ReceivedMessage[], log: readonly RecordedEvent[]): void {
  const expected = publishable(log);
  const byId = new Map(expected.map((event) => [event.id, event]));
  expect([...new Set(messages.map((message) => message.event.id))].sort(), 'the event ids on the topic').to.deep.equal([...byId.keys()].sort());
  for (const { key, event } of messages) {
    expect(event, `message ${event.id}`).to.deep.equal(byId.get(event.id));
    expect(key).to.equal(event.subject);
    expect(validate(event).errors, `${event.type} ${event.id}`).to.deep.equal([]);
  }
  const received = idsByKey(messages.map(({ key, event }) => ({ key, id: event.id })));
  expect(received, 'per-key order').to.deep.equal(idsByKey(expected.map((event) => ({ key: event.subject, id: event.id }))));
}

function countById(messages: readonly ReceivedMessage[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { event } of messages) counts.set(event.id, (counts.get(event.id) ?? 0) + 1);
  return counts;
}

const brokers = testKafkaBrokers();

if (brokers === undefined) {
  it.skip(`relay checkpoint across a read-model rebuild and SIGKILL ${KAFKA_SKIP_REASON}`);
} else {
  describe('the relay of a keystream process, on a real Kafka broker', function () {
    this.timeout(180_000);
    let dataDirectory: string;
    let topic: string;
    let authorization = '';
    let child: KeystreamChild | undefined;
    let reader: KafkaTopicReader | undefined;

    const start = async (): Promise<KeystreamChild> => {
      child = await startKeystreamChild(dataDirectory, { KEYSTREAM_KAFKA_BROKERS: brokers.join(','), KEYSTREAM_KAFKA_TOPIC: topic });
      return child;
    };
    const createProject = async (url: string, title: string): Promise<{ name: string; position: string }> => {
      const response = await fetch(`${url}/v1/projects`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', connection: 'close', authorization },
        body: JSON.stringify({ title, multiRegionPolicy: {} }),
      });
      expect(response.status, await response.clone().text()).to.equal(200);
      const body = (await response.json()) as { name: string };
      return { name: body.name, position: response.headers.get('x-keystream-min-position') ?? '' };
    };

    beforeEach(async () => {
      dataDirectory = mkdtempSync(path.join(tmpdir(), 'keystream-relay-'));
      topic = `keystream-relay-test-${randomUUID()}`;
      authorization = `Bearer ${await mintDevToken(loadConfig({ KEYSTREAM_DATA_DIR: dataDirectory }), DEFAULT_DEV_ADMIN)}`;
    });

    afterEach(async () => {
      if (child) await stopKeystreamChild(child, 'SIGKILL');
      child = undefined;
      await reader?.close();
      reader = undefined;
      rmSync(dataDirectory, { recursive: true, force: true });
    });

    it('should publish a mixed workload: every event once, the exact CloudEvent, valid against its schema, in per-key order, data as REST answers', async () => {
      child = await startKeystreamChild(dataDirectory, { KEYSTREAM_KAFKA_BROKERS: brokers.join(','), KEYSTREAM_KAFKA_TOPIC: topic, KEYSTREAM_KAFKA_PARTITIONS: '4', KEYSTREAM_KAFKA_REPLICATION: '1' });
      const running = child;
      const admin = new Kafka({ clientId: 'keystream-test-admin', brokers: [...brokers], logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      try {
        const [described] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
        expect(described?.partitions, 'the topic as KEYSTREAM_KAFKA_PARTITIONS/REPLICATION ask').to.have.length(4);
        expect(described?.partitions.every((partition) => partition.replicas.length === 1)).to.equal(true);
      } finally {
        await admin.disconnect();
      }
      const client = new RestClient({ baseUrl: running.url, headers: { authorization, connection: 'close' } });
      const nameOf = (resource: Record<string, unknown>): string => resource['name'] as string;
      const project = nameOf(await client.call('CreateProject', { project: { title: 'mixed workload' } }));
      const groups: string[] = [];
      for (const index of [0, 1, 2]) groups.push(nameOf(await client.call('CreateGroup', { parent: project, group: { displayName: `group ${index}` } })));
      const [renamed, withMember, removed] = groups as [string, string, string];
      await client.call('UpdateGroup', { group: { name: renamed, displayName: 'renamed', metadata: { labels: { team: 'iam' } } }, updateMask: 'displayName,metadata.labels' });
      const member = nameOf(await client.call('CreateGroupMember', { parent: withMember, groupMember: { member: 'user:bob@example.com' } }));
      const role = nameOf(await client.call('CreateRole', { parent: project, role: { displayName: 'viewer' } }));
      await client.call('CreateRoleBinding', { parent: project, roleBinding: { role, member: 'user:carol@example.com' } });
      await client.call('CreateServiceAccount', { parent: `${project}/regions/eu`, serviceAccount: { displayName: 'robot' } });
      await client.call('DeleteGroupMember', { name: member });
      await client.call('DeleteGroup', { name: removed });
      await client.call('UpdateProject', { project: { name: project, title: 'mixed workload, renamed' }, updateMask: 'title' });
      const answered = await client.call('GetGroup', { name: renamed });
      await stopKeystreamChild(running);
      child = undefined;

      const log = await loggedEvents(dataDirectory);
      reader = await readKafkaTopic(brokers, topic);
      const messages = await reader.received(publishable(log).length);
      expect(messages, 'no event twice').to.have.length(publishable(log).length);
      expectTopicHoldsLog(messages, log);
      const types = new Set(messages.map((message) => message.event.type));
      for (const type of ['project.created', 'project.updated', 'group.created', 'group.updated', 'group.deleted', 'group_member.created', 'group_member.deleted', 'role.created', 'role_binding.created', 'service_account.created', 'permission.created']) {
        expect(types, `event types of the workload: ${[...types].join(' ')}`).to.include(`com.edgelq.iam.v1.${type}`);
      }
      const history = (name: string): KeystreamCloudEvent[] => messages.filter((message) => message.key === name).map((message) => message.event);
      expect(history(renamed).at(-1)?.data, 'the last event of a resource is what REST Get answers').to.deep.equal(answered);
      const deleted = history(removed).at(-1);
      expect(deleted?.type).to.equal('com.edgelq.iam.v1.group.deleted');
      expect(deleted?.data).to.include({ name: removed, displayName: 'group 2' });
      expect(deleted?.data).to.have.nested.property('metadata.lifecycle.state', 'DELETING');
      expect(history(member).map((event) => event.source)).to.deep.equal([`//iam.edgelq.com/${project}`, `//iam.edgelq.com/${project}`]);
    });

    it('should not republish anything when the read model is rebuilt', async () => {
      const first = await start();
      const before = [];
      for (let index = 0; index < 5; index += 1) before.push(await createProject(first.url, `before ${index}`));
      await stopKeystreamChild(first);
      const published = publishable(await loggedEvents(dataDirectory)).length;
      reader = await readKafkaTopic(brokers, topic);
      expect(await reader.received(published)).to.have.length(published);

      // Rebuild: the read model is gone; the projector replays the whole log into a new one.
      rmSync(path.join(dataDirectory, 'read'), { recursive: true, force: true });
      const second = await start();
      const last = before.at(-1)!;
      const listed = await fetch(`${second.url}/v1/projects?page_size=100`, { headers: { 'x-keystream-min-position': last.position, connection: 'close', authorization } });
      expect(listed.status).to.equal(200);
      const names = ((await listed.json()) as { projects?: { name: string }[] }).projects?.map((project) => project.name) ?? [];
      expect(names, 'the rebuilt read model').to.include.members(before.map((write) => write.name));
      const after = await createProject(second.url, 'after the rebuild');
      await stopKeystreamChild(second);
      child = undefined;

      const log = await loggedEvents(dataDirectory);
      const total = publishable(log).length;
      const messages = await reader.received(total);
      const counts = countById(messages);
      const republished = [...counts].filter(([, count]) => count > 1);
      console.log(`      ${published} events before the rebuild, ${total} after, ${messages.length} messages on the topic`);
      expect(republished, 'events published twice').to.deep.equal([]);
      expect(messages).to.have.length(total);
      expectTopicHoldsLog(messages, log);
      expect(messages.map((message) => message.key)).to.include(after.name);
    });

    it('should lose nothing when killed while publishing (at-least-once)', async () => {
      const first = await start();
      let acknowledged = 0;
      let killed = false;
      const stillRunning = (): boolean => !killed;
      const client = async (worker: number): Promise<void> => {
        for (let index = 0; stillRunning(); index += 1) {
          try {
            await createProject(first.url, `burst ${worker}-${index}`);
            acknowledged += 1;
            if (acknowledged === 60 && stillRunning()) {
              killed = true;
              first.process.kill('SIGKILL');
            }
          } catch {
            // The connection died with the process.
          }
        }
      };
      await Promise.all(Array.from({ length: 8 }, (_, worker) => client(worker)));
      expect(await first.exited).to.equal('SIGKILL');

      const second = await start();
      await createProject(second.url, 'after the kill');
      await stopKeystreamChild(second);
      child = undefined;

      const log = await loggedEvents(dataDirectory);
      const total = publishable(log).length;
      reader = await readKafkaTopic(brokers, topic);
      const messages = await reader.received(total);
      const duplicates = [...countById(messages).values()].reduce((sum, count) => sum + count - 1, 0);
      console.log(`      ${acknowledged} writes acknowledged before SIGKILL, ${total} events in the log, ${messages.length} messages on the topic (${duplicates} duplicates)`);
      // At least once, no gaps: every event, each key's history complete and in order once
      // duplicates (same ce_id, same content) are dropped.
      expectTopicHoldsLog(messages, log);
    });
  });
}
