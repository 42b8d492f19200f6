/** GetMyAgentShard: the shard an agent service account is served by (stable; see shardPlan.ts). */
import { KeystreamError, type MessageOf } from '@keystream/api';
import type { CustomMethod } from '../customMethod.js';
import { shardOf } from './shardPlan.js';

export const getMyAgentShard: CustomMethod = {
  name: 'GetMyAgentShard',
  async handle(call, deps) {
    const request = call.request as MessageOf<'GetMyAgentShardRequest'>;
    const name = request.name ?? '';
    if (name === '') throw KeystreamError.invalidArgument([{ field: 'name', description: 'required: the agent ServiceAccount' }]);
    const account = await deps.repository.liveResource('ServiceAccount', name);
    if (account === undefined) throw new KeystreamError('NOT_FOUND', `ServiceAccount ${name} does not exist`);
    if (account['kind'] !== 'AGENT') {
      throw new KeystreamError('FAILED_PRECONDITION', `ServiceAccount ${name} is not an agent (kind ${typeof account['kind'] === 'string' ? account['kind'] : 'UNSPECIFIED'}); only AGENT accounts are sharded`);
    }
    return { response: { shardNum: shardOf(name, deps.shards) } };
  },
};
