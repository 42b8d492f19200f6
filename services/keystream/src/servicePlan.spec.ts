import { expect } from 'chai';
import { notServingYetMessage, servicePlan } from './servicePlan.js';

describe('servicePlan', () => {
  it('should count what the contract defines', () => {
    expect(servicePlan()).to.deep.equal({
      service: 'iam.edgelq.com v1 (ntt.iam.v1)',
      resources: 15,
      methods: 158,
      routes: 263,
      streams: 31,
    });
  });
});

describe('notServingYetMessage', () => {
  it('should say plainly that nothing is listening', () => {
    expect(notServingYetMessage(servicePlan())).to.match(/not implemented yet: nothing is listening/);
  });
});
