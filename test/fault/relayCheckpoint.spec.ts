/**
 * The relay's position belongs to what it produced (docs/eventstream.md): a real `keystream start`
 * child publishing to the real Kafka broker.
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
import { KAFKA_SKIP_REASON, readKafkaTopic, testKafkaBrokers, type KafkaTopicReader, type ReceivedMessage } from '@keystream/eventstream/testing';
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

function countById(messages: readonly ReceivedMessage[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { envelope } of messages) counts.set(envelope.id, (counts.get(envelope.id) ?? 0) + 1);
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

    it('should not republish anything when the read model is rebuilt', async () => {
      const first = await start();
      const before = [];
      for (let index = 0; index < 5; index += 1) before.push(await createProject(first.url, `before ${index}`));
      await stopKeystreamChild(first);
      const published = (await loggedEvents(dataDirectory)).length;
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
      const messages = await reader.received(log.length);
      const counts = countById(messages);
      const republished = [...counts].filter(([, count]) => count > 1);
      console.log(`      ${published} events before the rebuild, ${log.length} after, ${messages.length} messages on the topic`);
      expect(republished, 'events published twice').to.deep.equal([]);
      expect(messages).to.have.length(log.length);
      expect([...counts.keys()].sort()).to.deep.equal(log.map((event) => event.id).sort());
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
      reader = await readKafkaTopic(brokers, topic);
      const messages = await reader.received(log.length);
      const counts = countById(messages);
      console.log(`      ${acknowledged} writes acknowledged before SIGKILL, ${log.length} events in the log, ${messages.length} messages on the topic`);
      expect([...counts.keys()].sort(), 'every event of the log on the topic').to.deep.equal(log.map((event) => event.id).sort());
    });
  });
}
