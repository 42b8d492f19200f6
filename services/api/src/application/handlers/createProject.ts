/** CreateProject: the standard create, plus the creator's owner binding on the new project. */
import type { MethodHandler } from '../methodHandler.js';
import { createWithCreatorOwner } from './creatorOwnerBinding.js';

export const createProject: MethodHandler<'CreateProject'> = (request, context) => createWithCreatorOwner('Project', request, context);
