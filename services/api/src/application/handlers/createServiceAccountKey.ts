/**
 * CreateServiceAccountKey: generates an RSA pair (or takes the supplied public key), or an API key.
 * The private key and the API key are answered in this response only: the stored key (and its
 * events) carry the public key, and API keys only as their hash stream.
 */
import { randomUUID } from 'node:crypto';
import { KeystreamError } from '@keystream/api';
import { generateApiKey, generateRsaKeyPair, readPublicKey, type ServiceAccountCredentials } from '@keystream/authz';
import { API_KEY_HASH_REGISTERED, apiKeyHashRegisteredData, apiKeyHashStreamOf, serviceAccountEmailOf, type JsonObject } from '@keystream/domain';
import type { MethodHandler } from '../methodHandler.js';

const RSA_ALGORITHMS = new Set(['RSA_1024', 'RSA_2048', 'RSA_4096']);

/** The key to store (public half only) and the secrets to answer once. */
async function keyMaterial(input: JsonObject): Promise<{ stored: JsonObject; privateKeyPem?: string; apiKey?: { secret: string; hash: string } }> {
  const stored: JsonObject = { ...input };
  delete stored['privateKeyData'];
  delete stored['apiKey'];
  const requested = typeof stored['algorithm'] === 'string' ? stored['algorithm'] : 'KEY_ALGORITHM_UNSPECIFIED';
  const supplied = typeof stored['publicKeyData'] === 'string' && stored['publicKeyData'] !== '' ? stored['publicKeyData'] : undefined;
  if (supplied !== undefined) {
    if (requested === 'API_KEY') throw KeystreamError.invalidArgument([{ field: 'service_account_key.public_key_data', description: 'an API_KEY key has no public key' }]);
    let read: ReturnType<typeof readPublicKey>;
    try {
      read = readPublicKey(supplied);
    } catch (error) {
      throw KeystreamError.invalidArgument([{ field: 'service_account_key.public_key_data', description: error instanceof Error ? error.message : String(error) }]);
    }
    if (requested !== 'KEY_ALGORITHM_UNSPECIFIED' && requested !== read.algorithm) {
      throw KeystreamError.invalidArgument([{ field: 'service_account_key.algorithm', description: `${requested} does not match the supplied ${read.algorithm} key` }]);
    }
    return { stored: { ...stored, publicKeyData: read.publicKeyPem, algorithm: read.algorithm } };
  }
  if (requested === 'API_KEY') {
    delete stored['publicKeyData'];
    return { stored, apiKey: generateApiKey() };
  }
  const algorithm = RSA_ALGORITHMS.has(requested) ? (requested as 'RSA_1024' | 'RSA_2048' | 'RSA_4096') : 'RSA_2048';
  const pair = await generateRsaKeyPair(algorithm);
  return { stored: { ...stored, publicKeyData: pair.publicKeyPem, algorithm }, privateKeyPem: pair.privateKeyPem };
}

export const createServiceAccountKey: MethodHandler<'CreateServiceAccountKey'> = async (request, { app, envelope }) => {
  const material = await keyMaterial({ ...((request.serviceAccountKey ?? {}) as JsonObject) });
  const result = await app.commands.create({ kind: 'ServiceAccountKey', parent: request.parent, resource: material.stored }, envelope);
  const key = result.resource ?? {};
  // A retried request answers with the key it created; the secret was shown once, with the first answer.
  if (result.replayed) return { response: key, position: result.position };
  const keyName = key['name'] as string;
  const secrets: JsonObject = {};
  if (material.apiKey !== undefined) {
    await app.eventStore.append(
      apiKeyHashStreamOf(material.apiKey.hash),
      [
        {
          id: randomUUID(),
          type: API_KEY_HASH_REGISTERED,
          data: apiKeyHashRegisteredData(keyName),
          metadata: {
            actor: envelope.actor,
            requestId: envelope.requestId,
            correlationId: envelope.correlationId,
            // The key's creation is what this registration follows from.
            causationId: result.eventId ?? envelope.causationId,
            occurredAt: envelope.occurredAt,
            schema: 1,
          },
        },
      ],
      'no_stream',
    );
    secrets['apiKey'] = material.apiKey.secret;
  }
  if (material.privateKeyPem !== undefined) {
    const accountName = keyName.slice(0, keyName.lastIndexOf('/serviceAccountKeys/'));
    const credentials: ServiceAccountCredentials = { type: 'service_account', client_email: serviceAccountEmailOf(accountName), private_key_id: keyName, private_key: material.privateKeyPem };
    secrets['privateKeyData'] = JSON.stringify(credentials);
  }
  return { response: { ...key, ...secrets }, position: result.position };
};
