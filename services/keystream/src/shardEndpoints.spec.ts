import { expect } from 'chai';
import { parseShardEndpoints } from './shardEndpoints.js';

describe('parseShardEndpoints', () => {
  it('should read shard lists and refuse what is not one', () => {
    expect([...parseShardEndpoints('0=https://a.example, https://b.example ; 3=https://c.example').entries()]).to.deep.equal([
      [0, ['https://a.example', 'https://b.example']],
      [3, ['https://c.example']],
    ]);
    expect(parseShardEndpoints(undefined).size).to.equal(0);
    expect(() => parseShardEndpoints('a=https://x')).to.throw(/entries/);
    expect(() => parseShardEndpoints('0=not a url')).to.throw();
  });
});
