import { expect } from 'chai';
import { documentEffectOf } from '../events/resourceEvents.js';
import { API_KEY_HASH_REGISTERED, apiKeyHashRegisteredData, apiKeyHashStreamOf, keyNameOfRegistration } from './apiKeyHash.js';

describe('apiKeyHash', () => {
  const hash = 'a'.repeat(64);
  const key = 'projects/p/regions/r/serviceAccounts/sa/serviceAccountKeys/k';

  it('should name one stream per hash', () => {
    expect(apiKeyHashStreamOf(hash)).to.equal(`ApiKeyHash-${hash}`);
  });

  it('should refuse anything but a SHA-256 hex digest (a secret must never become a stream name)', () => {
    expect(() => apiKeyHashStreamOf('ks_secret')).to.throw(/64 lower-case hex/);
  });

  it('should carry the key name only and project to no document', () => {
    const data = apiKeyHashRegisteredData(key);
    expect(data).to.deep.equal({ key });
    expect(documentEffectOf({ stream: apiKeyHashStreamOf(hash), type: API_KEY_HASH_REGISTERED, data })).to.equal(undefined);
    expect(keyNameOfRegistration({ type: API_KEY_HASH_REGISTERED, data })).to.equal(key);
    expect(keyNameOfRegistration({ type: 'Other', data })).to.equal(undefined);
  });
});
