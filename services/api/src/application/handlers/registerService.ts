/**
 * RegisterService (a keystream extension, `POST /v1/{service.name=services/*}:register`): the
 * admin account a service project reserved a name for claims it, registering the service (a
 * `goten.meta.v1.Service`). The reference leaves registration to the meta service, whose API the
 * upstream tables do not carry; this is the smallest route that makes ReserveServiceName →
 * ListProjectServices reachable by a client. The request passes the pipeline with the
 * self-service permission `services.register`; the reservation decides who may claim.
 */
import { KeystreamError } from '@keystream/api';
import { actorOf } from '@keystream/authz';
import type { JsonObject } from '@keystream/domain';
import type { MethodHandler } from '../methodHandler.js';

export const registerService: MethodHandler<'RegisterService'> = async (request, { app, principal }) => {
  const service = request.service as JsonObject | undefined;
  if (service === undefined) throw KeystreamError.invalidArgument([{ field: 'service', description: 'required: the goten.meta.v1.Service to register' }]);
  const registered = await app.services.register(service, actorOf(principal));
  return { response: registered };
};
