import { expect } from 'chai';
import { loadConfig } from './config.js';
import { processPlan } from './processPlan.js';

describe('processPlan', () => {
  const embedded = (environment: Record<string, string> = {}, role = 'all') => loadConfig({ KEYSTREAM_DATA_DIR: '/tmp/keystream-plan', KEYSTREAM_PROCESSES: 'auto', ...environment }, role);

  it('should run the projector apart from the api on two cores or more by default, and the relay too on three', () => {
    expect(processPlan(loadConfig({ KEYSTREAM_DATA_DIR: '/tmp/keystream-plan' }), 2)).to.deep.equal({ here: 'api,gateway', children: ['projector'] });
    expect(processPlan(embedded(), 2)).to.deep.equal({ here: 'api,gateway', children: ['projector'] });
    expect(processPlan(embedded({ KEYSTREAM_EVENT_STREAM_FILE: '/tmp/e.ndjson' }), 2)).to.deep.equal({ here: 'api,gateway,relay', children: ['projector'] });
    expect(processPlan(embedded({ KEYSTREAM_EVENT_STREAM_FILE: '/tmp/e.ndjson' }), 16)).to.deep.equal({ here: 'api,gateway', children: ['projector', 'relay'] });
  });

  it('should run everything in one process on one core, when asked, for a named role, or on server stores', () => {
    expect(processPlan(embedded(), 1)).to.deep.equal({ here: 'all', children: [] });
    expect(processPlan(embedded({ KEYSTREAM_PROCESSES: '1' }), 8)).to.deep.equal({ here: 'all', children: [] });
    expect(processPlan(embedded({}, 'api'), 8)).to.deep.equal({ here: 'api', children: [] });
    const servers = { KEYSTREAM_EVENTSTORE: 'esdb://localhost:2113?tls=false', KEYSTREAM_READSTORE: 'mongodb://localhost:27017/keystream' };
    expect(processPlan(embedded(servers), 8)).to.deep.equal({ here: 'all', children: [] });
  });

  it('should follow KEYSTREAM_PROCESSES over the cores, and refuse a count it cannot use', () => {
    expect(processPlan(embedded({ KEYSTREAM_PROCESSES: '2', KEYSTREAM_EVENT_STREAM_FILE: '/tmp/e.ndjson' }), 1).children).to.deep.equal(['projector']);
    expect(() => embedded({ KEYSTREAM_PROCESSES: '0' })).to.throw(/KEYSTREAM_PROCESSES \("0"\): expected auto or a number of processes/);
    expect(() => embedded({ KEYSTREAM_PROCESSES: 'many' })).to.throw(/KEYSTREAM_PROCESSES/);
  });
});
