// @ts-expect-error the package's exports do not expose its files, which is the point
import { RESOURCES } from '@keystream/api/src/resources/resourceRegistry.js';

/** Reaches into another package's sources. */
export const count: unknown = RESOURCES;
