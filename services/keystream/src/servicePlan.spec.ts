import { expect } from 'chai';
import { loadConfig } from './config.js';
import { servicePlan, startBanner } from './servicePlan.js';

describe('servicePlan', () => {
  it('should count what the contract defines', () => {
    expect(servicePlan()).to.deep.equal({
      service: 'iam.edgelq.com v1 (ntt.iam.v1)',
      resources: 15,
      methods: 158,
      routes: 265,
      streams: 31,
    });
  });
});

describe('startBanner', () => {
  it('should give the URL, the stores and how to get an administrator token', () => {
    const banner = startBanner(loadConfig({ KEYSTREAM_READSTORE: 'mongodb://keystream:secret@db:27017/ks' }), 'http://127.0.0.1:8080');
    expect(banner).to.include('keystream is serving iam.edgelq.com v1 (ntt.iam.v1) at http://127.0.0.1:8080 (role: all)');
    expect(banner).to.include('read store: mongodb://…@db:27017/ks');
    expect(banner).not.to.include('secret');
    expect(banner).to.match(/every call is authenticated and authorized/);
    expect(banner).to.match(/keystream token --user admin@keystream\.local/);
  });
});
