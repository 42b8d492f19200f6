import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openLmdbConsumerState } from './lmdbConsumerState.js';

describe('openLmdbConsumerState', () => {
  let directory: string;

  beforeEach(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'keystream-consumer-state-'));
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  describe('having tables committed with a checkpoint', () => {
    it('should give back every table and the checkpoint after a reopen, each table holding only its own rows', async () => {
      const first = await openLmdbConsumerState({ path: directory, version: 'v1' });
      expect(first.checkpoint).to.equal(undefined);
      const bindings = first.table<string[]>('bindings');
      const copies = first.table<{ name: string; ancestry: string }>('copies');
      bindings.set('projects/p/roleBindings/a', ['x', 'y']);
      bindings.set('projects/p/roleBindings/b', ['x']);
      // Keys whose text sorts right around another table's name stay in their own table.
      first.table<string>('bindingsX').set('k', 'other table');
      copies.set('groups/a\nuser:m@example.com', { name: 'groups/a/groupMembers/c1', ancestry: 'group:b' });
      await first.commit('0000000000000010');
      bindings.delete('projects/p/roleBindings/b');
      await first.commit('0000000000000011');
      await first.close();

      const second = await openLmdbConsumerState({ path: directory, version: 'v1' });
      expect(second.checkpoint).to.equal('0000000000000011');
      expect([...second.table('bindings')]).to.deep.equal([['projects/p/roleBindings/a', ['x', 'y']]]);
      expect([...second.table('copies')]).to.deep.equal([['groups/a\nuser:m@example.com', { name: 'groups/a/groupMembers/c1', ancestry: 'group:b' }]]);
      expect([...second.table('bindingsX')]).to.deep.equal([['k', 'other table']]);
      await second.close();
    });
  });

  describe('having changes not committed', () => {
    it('should lose them with the checkpoint they would have belonged to', async () => {
      const first = await openLmdbConsumerState({ path: directory, version: 'v1' });
      first.table<number>('counts').set('a', 1);
      await first.commit('0000000000000001');
      first.table<number>('counts').set('a', 2);
      expect(first.dirty).to.equal(true);
      await first.close();
      const second = await openLmdbConsumerState({ path: directory, version: 'v1' });
      expect(second.checkpoint).to.equal('0000000000000001');
      expect(second.table<number>('counts').get('a')).to.equal(1);
      await second.close();
    });
  });

  describe('when opened with another version', () => {
    it('should start empty, with no checkpoint, so the consumer rebuilds from the start of the log', async () => {
      const first = await openLmdbConsumerState({ path: directory, version: 'v1' });
      first.table<number>('counts').set('a', 1);
      await first.commit('0000000000000001');
      await first.close();
      const second = await openLmdbConsumerState({ path: directory, version: 'v2' });
      expect(second.checkpoint).to.equal(undefined);
      expect(second.table('counts').size).to.equal(0);
      await second.close();
    });
  });

  describe('when reset', () => {
    it('should empty the tables already handed out and forget the checkpoint', async () => {
      const store = await openLmdbConsumerState({ path: directory, version: 'v1' });
      const counts = store.table<number>('counts');
      counts.set('a', 1);
      await store.commit('0000000000000001');
      await store.reset();
      expect(counts.size).to.equal(0);
      expect(store.checkpoint).to.equal(undefined);
      await store.close();
      const reopened = await openLmdbConsumerState({ path: directory, version: 'v1' });
      expect(reopened.table('counts').size).to.equal(0);
      await reopened.close();
    });
  });
});
