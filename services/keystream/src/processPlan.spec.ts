import { expect } from 'chai';
import { loadConfig } from './config.js';
import { processPlan } from './processPlan.js';

describe('processPlan', () => {
  const embedded = (environment: Record<string, string> = {}, role = 'all') => loadConfig({ KEYSTREAM_DATA_DIR: '/tmp/keystream-plan', KEYSTREAM_PROCESSES: 'auto', ...environment }, role);

  it('should run the projector, serving the API as a replica, apart from the api on two cores or more by default, and the relay too on three', () => {
    const replica = 'projector,replica,gateway';
    expect(processPlan(loadConfig({ KEYSTREAM_DATA_DIR: '/tmp/keystream-plan' }), 2, 'linux')).to.deep.equal({ here: 'api,gateway', children: [replica] });
    expect(processPlan(embedded(), 2, 'linux')).to.deep.equal({ here: 'api,gateway', children: [replica] });
    expect(processPlan(embedded({ KEYSTREAM_EVENT_STREAM_FILE: '/tmp/e.ndjson' }), 2, 'linux')).to.deep.equal({ here: 'api,gateway,relay', children: [replica] });
    expect(processPlan(embedded({ KEYSTREAM_EVENT_STREAM_FILE: '/tmp/e.ndjson' }), 3, 'linux')).to.deep.equal({ here: 'api,gateway', children: [replica, 'relay'] });
  });

  it('should add replicas serving HTTP and watches for the processes left, up to 4 with auto', () => {
    const replica = 'projector,replica,gateway';
    expect(processPlan(embedded(), 3, 'linux')).to.deep.equal({ here: 'api,gateway', children: [replica, 'replica,gateway'] });
    expect(processPlan(embedded(), 64, 'linux')).to.deep.equal({ here: 'api,gateway', children: [replica, 'replica,gateway', 'replica,gateway'] });
    expect(processPlan(embedded({ KEYSTREAM_EVENT_STREAM_FILE: '/tmp/e.ndjson' }), 64, 'linux')).to.deep.equal({ here: 'api,gateway', children: [replica, 'relay', 'replica,gateway'] });
    expect(processPlan(embedded({ KEYSTREAM_PROCESSES: '6' }), 2, 'linux').children).to.deep.equal([replica, 'replica,gateway', 'replica,gateway', 'replica,gateway', 'replica,gateway']);
    // Without replicas nothing is left to spread past the projector and the relay.
    expect(processPlan(embedded({ KEYSTREAM_PROCESSES: '6', KEYSTREAM_HTTP_EDGE: 'uws' }), 2, 'linux').children).to.deep.equal(['projector']);
    expect(processPlan(embedded({ KEYSTREAM_EVENT_STREAM_FILE: '/tmp/e.ndjson' }), 64, 'darwin').children).to.deep.equal(['projector', 'relay']);
  });

  it('should keep the API in the process started where connections cannot be handed over (the uws edge) or replicas cannot reach the writer (not Linux)', () => {
    expect(processPlan(embedded({ KEYSTREAM_HTTP_EDGE: 'uws' }), 2, 'linux')).to.deep.equal({ here: 'api,gateway', children: ['projector'] });
    expect(processPlan(embedded(), 2, 'darwin')).to.deep.equal({ here: 'api,gateway', children: ['projector'] });
  });

  it('should refuse a replica beside the api in one process, and on the embedded log off Linux', () => {
    expect(() => embedded({}, 'api,replica')).to.throw(/api and replica in one process/);
    expect(embedded({}, 'replica,projector,gateway').roles.has('replica')).to.equal(true);
    expect(embedded({}, 'all').roles.has('replica')).to.equal(false);
  });

  it('should run everything in one process on one core, when asked, for a named role, or on server stores', () => {
    expect(processPlan(embedded(), 1)).to.deep.equal({ here: 'all', children: [] });
    expect(processPlan(embedded({ KEYSTREAM_PROCESSES: '1' }), 8)).to.deep.equal({ here: 'all', children: [] });
    expect(processPlan(embedded({}, 'api'), 8)).to.deep.equal({ here: 'api', children: [] });
    const servers = { KEYSTREAM_EVENTSTORE: 'esdb://localhost:2113?tls=false', KEYSTREAM_READSTORE: 'mongodb://localhost:27017/keystream' };
    expect(processPlan(embedded(servers), 8)).to.deep.equal({ here: 'all', children: [] });
  });

  it('should follow KEYSTREAM_PROCESSES over the cores, and refuse a count it cannot use', () => {
    expect(processPlan(embedded({ KEYSTREAM_PROCESSES: '2', KEYSTREAM_EVENT_STREAM_FILE: '/tmp/e.ndjson' }), 1, 'linux').children).to.deep.equal(['projector,replica,gateway']);
    expect(() => embedded({ KEYSTREAM_PROCESSES: '0' })).to.throw(/KEYSTREAM_PROCESSES \("0"\): expected auto or a number of processes/);
    expect(() => embedded({ KEYSTREAM_PROCESSES: 'many' })).to.throw(/KEYSTREAM_PROCESSES/);
  });
});
