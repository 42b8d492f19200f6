/**
 * Creates a ServiceAccountKey with its secret: an RSA pair generated here (the private key returned
 * once, as the credentials file), a public key the caller supplied (no private key exists on the
 * server), or an API key (the secret returned once, only its hash stored). The stored key and its
 * events hold the public key only. Used by CreateServiceAccountKey and by the methods that create
 * admin accounts for services.
 */
import { randomUUID } from 'node:crypto';
import { KeystreamError } from '@keystream/api';
import { generateApiKey, generateRsaKeyPair, readPublicKey, type ServiceAccountCredentials } from '@keystream/authz';
import { API_KEY_HASH_REGISTERED, apiKeyHashRegisteredData, apiKeyHashStreamOf, serviceAccountEmailOf, type JsonObject } from '@keystream/domain';
import type { EventStore } from '@keystream/eventstore';
import type { CommandOrigin, CommandService } from '@keystream/service-api';

const RSA_ALGORITHMS = new Set(['RSA_1024', 'RSA_2048', 'RSA_4096']);

/** A created key and the secrets shown this once. */
export interface MintedKey {
  /** The stored key (no secret). */
  readonly key: JsonObject;
  readonly position: string;
  /** A retry of a request that already created the key: no secret is shown again. */
  readonly replayed: boolean;
  /** The credentials file of a generated RSA key. */
  readonly credentials?: ServiceAccountCredentials;
  /** The credentials file of a key whose public half the caller supplied (`private_key` empty: the caller fills it in). */
  readonly publicCredentials?: ServiceAccountCredentials;
  /** The secret of an API key. */
  readonly apiKey?: string;
}

/**
 * Creates the key `input` describes under `parent`. `field` prefixes field names in errors
 * (`service_account_key`, `admin_key`).
 */
export async function mintServiceAccountKey(
  deps: { readonly commands: CommandService; readonly eventStore: EventStore },
  parent: string | undefined,
  requested: JsonObject,
  origin: CommandOrigin,
  field = 'service_account_key',
): Promise<MintedKey> {
  const input: JsonObject = { ...requested };
  delete input['privateKeyData'];
  delete input['apiKey'];
  const algorithm = typeof input['algorithm'] === 'string' ? input['algorithm'] : 'KEY_ALGORITHM_UNSPECIFIED';
  let privateKeyPem: string | undefined;
  let apiKey: { secret: string; hash: string } | undefined;
  const supplied = typeof input['publicKeyData'] === 'string' && input['publicKeyData'] !== '' ? input['publicKeyData'] : undefined;
  if (supplied !== undefined) {
    if (algorithm === 'API_KEY') throw KeystreamError.invalidArgument([{ field: `${field}.public_key_data`, description: 'an API_KEY key has no public key' }]);
    let read: ReturnType<typeof readPublicKey>;
    try {
      read = readPublicKey(supplied);
    } catch (error) {
      throw KeystreamError.invalidArgument([{ field: `${field}.public_key_data`, description: error instanceof Error ? error.message : String(error) }]);
    }
    if (algorithm !== 'KEY_ALGORITHM_UNSPECIFIED' && algorithm !== read.algorithm) {
      throw KeystreamError.invalidArgument([{ field: `${field}.algorithm`, description: `${algorithm} does not match the supplied ${read.algorithm} key` }]);
    }
    input['publicKeyData'] = read.publicKeyPem;
    input['algorithm'] = read.algorithm;
  } else if (algorithm === 'API_KEY') {
    apiKey = generateApiKey();
    delete input['publicKeyData'];
  } else {
    const rsa = RSA_ALGORITHMS.has(algorithm) ? (algorithm as 'RSA_1024' | 'RSA_2048' | 'RSA_4096') : 'RSA_2048';
    const pair = await generateRsaKeyPair(rsa);
    privateKeyPem = pair.privateKeyPem;
    input['publicKeyData'] = pair.publicKeyPem;
    input['algorithm'] = rsa;
  }
  const result = await deps.commands.create({ kind: 'ServiceAccountKey', parent, resource: input }, origin);
  const key = result.resource ?? {};
  const keyName = key['name'] as string;
  if (result.replayed) return { key, position: result.position, replayed: true };
  if (apiKey !== undefined) {
    await deps.eventStore.append(
      apiKeyHashStreamOf(apiKey.hash),
      [
        {
          id: randomUUID(),
          type: API_KEY_HASH_REGISTERED,
          data: apiKeyHashRegisteredData(keyName),
          metadata: { actor: origin.actor, requestId: origin.requestId ?? randomUUID(), correlationId: origin.requestId ?? randomUUID(), causationId: origin.requestId ?? randomUUID(), occurredAt: new Date().toISOString(), schema: 1 },
        },
      ],
      'no_stream',
    );
    return { key, position: result.position, replayed: false, apiKey: apiKey.secret };
  }
  const accountName = keyName.slice(0, keyName.lastIndexOf('/serviceAccountKeys/'));
  const file = (privateKey: string): ServiceAccountCredentials => ({ type: 'service_account', client_email: serviceAccountEmailOf(accountName), private_key_id: keyName, private_key: privateKey });
  return privateKeyPem === undefined
    ? { key, position: result.position, replayed: false, publicCredentials: file('') }
    : { key, position: result.position, replayed: false, credentials: file(privateKeyPem) };
}
