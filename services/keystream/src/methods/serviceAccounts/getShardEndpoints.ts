/** GetShardEndpoints: the endpoints configured for a shard. */
import { KeystreamError, type MessageOf } from '@keystream/api';
import type { CustomMethod } from '../customMethod.js';

export const getShardEndpoints: CustomMethod = {
  name: 'GetShardEndpoints',
  handle(call, deps) {
    const request = call.request as MessageOf<'GetShardEndpointsRequest'>;
    const shard = request.shardNum ?? 0;
    if (!Number.isInteger(shard) || shard < 0 || shard >= deps.shards.count) {
      throw KeystreamError.invalidArgument([{ field: 'shard_num', description: `expected a shard between 0 and ${deps.shards.count - 1}, got ${shard}` }]);
    }
    return Promise.resolve({ response: { endpoints: [...(deps.shards.endpoints.get(shard) ?? [])] } });
  },
};
