import { expect } from 'chai';
import { isObject } from './json.js';

describe('isObject', () => {
  it('should accept objects and refuse null, arrays and scalars', () => {
    expect(isObject({ a: 1 })).to.equal(true);
    for (const value of [null, undefined, [1], 'x', 3, true]) expect(isObject(value), JSON.stringify(value)).to.equal(false);
  });
});
