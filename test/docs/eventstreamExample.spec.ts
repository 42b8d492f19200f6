/**
 * The kafkajs consumer of docs/eventstream.md works as written: its code block is read from the
 * document, written to a module and run against the real Kafka broker, on the topic a real
 * `keystream start` published to. What it rebuilds for a project must equal `ListGroups`.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { RestClient } from '@keystream/client';
import { KAFKA_SKIP_REASON, testKafkaBrokers } from '@keystream/eventstream/testing';
import { DEFAULT_DEV_ADMIN, loadConfig, mintDevToken } from '@keystream/keystream';
import { startKeystreamChild, stopKeystreamChild, type KeystreamChild } from '../support/keystreamProcess.js';

const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));

type ProjectGroups = (options: { brokers: string[]; topic: string; project: string }) => Promise<Record<string, unknown>[]>;

/** The document's consumer, as a module inside the repository (so `kafkajs` and `cloudevents` resolve). */
async function documentedConsumer(): Promise<{ projectGroups: ProjectGroups; dispose: () => void }> {
  const document = readFileSync(path.join(repositoryRoot, 'docs/eventstream.md'), 'utf8');
  const block = [...document.matchAll(/```js\n([\s\S]*?)```/g)].map((match) => match[1] as string).find((code) => code.includes('export async function projectGroups'));
  expect(block, 'docs/eventstream.md has the projectGroups consumer').to.be.a('string');
  const directory = path.join(repositoryRoot, 'node_modules', '.cache', 'keystream-docs', randomUUID());
  mkdirSync(directory, { recursive: true });
  const file = path.join(directory, 'projectGroups.mjs');
  writeFileSync(file, block as string);
  const module = (await import(pathToFileURL(file).href)) as { projectGroups: ProjectGroups };
  return {
    projectGroups: module.projectGroups,
    dispose: () => {
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

const brokers = testKafkaBrokers();

if (brokers === undefined) {
  it.skip(`the kafkajs consumer of docs/eventstream.md ${KAFKA_SKIP_REASON}`);
} else {
  describe('the kafkajs consumer of docs/eventstream.md', function () {
    this.timeout(120_000);
    let dataDirectory: string;
    let child: KeystreamChild | undefined;

    beforeEach(() => {
      dataDirectory = mkdtempSync(path.join(tmpdir(), 'keystream-docs-events-'));
    });
    afterEach(async () => {
      if (child) await stopKeystreamChild(child, 'SIGKILL');
      child = undefined;
      rmSync(dataDirectory, { recursive: true, force: true });
    });

    for (const contentMode of ['binary', 'structured'] as const) {
      it(`should rebuild a project's groups from the topic exactly as ListGroups answers (${contentMode} mode)`, async () => {
        const topic = `keystream-docs-test-${randomUUID()}`;
        const authorization = `Bearer ${await mintDevToken(loadConfig({ KEYSTREAM_DATA_DIR: dataDirectory }), DEFAULT_DEV_ADMIN)}`;
        child = await startKeystreamChild(dataDirectory, {
          KEYSTREAM_KAFKA_BROKERS: brokers.join(','),
          KEYSTREAM_KAFKA_TOPIC: topic,
          KEYSTREAM_KAFKA_PARTITIONS: '3',
          KEYSTREAM_KAFKA_CONTENT_MODE: contentMode,
        });
        const client = new RestClient({ baseUrl: child.url, headers: { authorization, connection: 'close' } });
        const nameOf = (resource: Record<string, unknown>): string => resource['name'] as string;
        const project = nameOf(await client.call('CreateProject', { project: { title: 'followed', multiRegionPolicy: {} } }));
        const other = nameOf(await client.call('CreateProject', { project: { title: 'not followed', multiRegionPolicy: {} } }));
        const groups: string[] = [];
        for (let index = 0; index < 6; index += 1) groups.push(nameOf(await client.call('CreateGroup', { parent: project, group: { displayName: `group ${index}` } })));
        await client.call('CreateGroup', { parent: other, group: { displayName: 'elsewhere' } });
        await client.call('UpdateGroup', { group: { name: groups[0], displayName: 'renamed once' }, updateMask: 'displayName' });
        await client.call('UpdateGroup', { group: { name: groups[0], description: 'and described' }, updateMask: 'description' });
        await client.call('CreateGroupMember', { parent: groups[1], groupMember: { member: 'user:dora@example.com' } });
        await client.call('DeleteGroup', { name: groups[2] });
        await client.call('DeleteGroup', { name: groups[3] });
        const last = await client.call('UpdateGroup', { group: { name: groups[4], displayName: 'renamed last' }, updateMask: 'displayName' });
        expect(nameOf(last)).to.equal(groups[4]);
        // List reads the read model: wait (with a deadline) until it has applied the last write.
        const deadline = Date.now() + 20_000;
        let listed = await client.call('ListGroups', { parent: project, pageSize: 100 });
        const current = (answer: Record<string, unknown>): boolean => ((answer['groups'] as Record<string, unknown>[] | undefined) ?? []).some((group) => group['displayName'] === 'renamed last');
        while (!current(listed) && Date.now() < deadline) {
          await new Promise<void>((resolve) => setTimeout(resolve, 50).unref());
          listed = await client.call('ListGroups', { parent: project, pageSize: 100 });
        }
        // A graceful stop publishes what the relay has read and stores its checkpoint.
        await stopKeystreamChild(child);
        child = undefined;

        const consumer = await documentedConsumer();
        try {
          const rebuilt = await consumer.projectGroups({ brokers, topic, project });
          const expected = ((listed['groups'] as Record<string, unknown>[] | undefined) ?? []).sort((a, b) => (nameOf(a) < nameOf(b) ? -1 : 1));
          expect(expected.map(nameOf)).to.have.members([groups[0], groups[1], groups[4], groups[5]]);
          expect(rebuilt).to.deep.equal(expected);
        } finally {
          consumer.dispose();
        }
      });
    }
  });
}
