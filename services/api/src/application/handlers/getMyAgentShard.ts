/** GetMyAgentShard: the shard an agent service account is served by (stable; see shardPlan.ts). */
import { KeystreamError } from '@keystream/api';
import type { MethodHandler } from '../methodHandler.js';
import { shardOf } from '../serviceAccounts/shardPlan.js';

export const getMyAgentShard: MethodHandler<'GetMyAgentShard'> = async (request, { app }) => {
  const name = request.name ?? '';
  if (name === '') throw KeystreamError.invalidArgument([{ field: 'name', description: 'required: the agent ServiceAccount' }]);
  const account = await app.repository.liveResource('ServiceAccount', name);
  if (account === undefined) throw new KeystreamError('NOT_FOUND', `ServiceAccount ${name} does not exist`);
  if (account['kind'] !== 'AGENT') {
    throw new KeystreamError('FAILED_PRECONDITION', `ServiceAccount ${name} is not an agent (kind ${typeof account['kind'] === 'string' ? account['kind'] : 'UNSPECIFIED'}); only AGENT accounts are sharded`);
  }
  return { response: { shardNum: shardOf(name, app.shards) } };
};
