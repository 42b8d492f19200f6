import { expect } from 'chai';
import { AuthzFeed, type EventLog, type LoggedEvent } from './authzFeed.js';
import { AuthzIndex } from './authzIndex.js';
import { binding, role } from './testEvents.js';

/** An in-memory log that counts reads. */
function memoryLog(): EventLog & { events: LoggedEvent[]; reads: number } {
  const log = {
    events: [] as LoggedEvent[],
    reads: 0,
    async readAll(from: string, limit: number): Promise<readonly LoggedEvent[]> {
      log.reads += 1;
      await new Promise<void>((resolve) => setImmediate(resolve));
      return log.events.filter((event) => event.position > from).slice(0, limit);
    },
  };
  return log;
}

describe('AuthzFeed', () => {
  it('should apply every event appended before catchUp was called', async () => {
    const log = memoryLog();
    const index = new AuthzIndex();
    const feed = new AuthzFeed(log, index);
    log.events.push(role('r', ['p']), binding('projects/p1', 'b', 'r', 'user:a@b.c'));
    await feed.catchUp();
    expect(index.bindingCount).to.equal(1);
    expect(feed.appliedPosition).to.equal(log.events[1]?.position);
  });

  it('should let concurrent callers share reads, each still seeing what was appended before it called', async () => {
    const log = memoryLog();
    const index = new AuthzIndex();
    const feed = new AuthzFeed(log, index);
    const first = feed.catchUp();
    log.events.push(role('r', ['p']));
    // Called while the first read runs: must wait for a read that starts after this call.
    const second = feed.catchUp();
    const third = feed.catchUp();
    expect(third).to.equal(second);
    await Promise.all([first, second, third]);
    expect(index.role('r')).to.not.equal(undefined);
    expect(log.reads).to.be.at.most(3);
  });
});
