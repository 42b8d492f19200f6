/** CreateOrganization: the standard create, plus the creator's owner binding on the new organization. */
import type { MethodHandler } from '../methodHandler.js';
import { createWithCreatorOwner } from './creatorOwnerBinding.js';

export const createOrganization: MethodHandler<'CreateOrganization'> = (request, context) => createWithCreatorOwner('Organization', request, context);
