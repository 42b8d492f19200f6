import { expect } from 'chai';
import { KeystreamError } from '@keystream/api';
import { callerRequestIdOf, minPositionOf } from './requestHeaders.js';

function codeAndField(run: () => unknown): string {
  try {
    run();
    return 'ok';
  } catch (error) {
    if (!(error instanceof KeystreamError)) throw error;
    return `${error.code} ${JSON.stringify(error.toBody())}`;
  }
}

describe('request headers', () => {
  it('should take a well-formed request id and none', () => {
    expect(callerRequestIdOf({ 'x-request-id': 'a.b_c:d@e-1' })).to.equal('a.b_c:d@e-1');
    expect(callerRequestIdOf({})).to.equal(undefined);
  });

  it('should refuse a malformed request id with INVALID_ARGUMENT naming the header', () => {
    for (const bad of ['', 'has space', 'x'.repeat(129), 'slash/es']) {
      const outcome = codeAndField(() => callerRequestIdOf({ 'x-request-id': bad }));
      expect(outcome).to.match(/^INVALID_ARGUMENT .*x-request-id/);
    }
  });

  it('should read a position, ignore an empty one and refuse a malformed one naming the header', () => {
    expect(minPositionOf({ 'x-keystream-min-position': '00ff' })).to.equal('00ff');
    expect(minPositionOf({ 'x-keystream-min-position': '' })).to.equal(undefined);
    expect(codeAndField(() => minPositionOf({ 'x-keystream-min-position': 'not-hex' }))).to.match(/^INVALID_ARGUMENT .*x-keystream-min-position/);
  });
});
