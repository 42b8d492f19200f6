/** GetShardEndpoints: the endpoints configured for a shard. */
import { KeystreamError } from '@keystream/api';
import type { MethodHandler } from '../methodHandler.js';

export const getShardEndpoints: MethodHandler<'GetShardEndpoints'> = (request, { app }) => {
  const shard = request.shardNum ?? 0;
  if (!Number.isInteger(shard) || shard < 0 || shard >= app.shards.count) {
    throw KeystreamError.invalidArgument([{ field: 'shard_num', description: `expected a shard between 0 and ${app.shards.count - 1}, got ${shard}` }]);
  }
  return Promise.resolve({ response: { endpoints: [...(app.shards.endpoints.get(shard) ?? [])] } });
};
