import { second } from './cycleSecond.js';

/** Half of an import cycle. */
export const first = (): number => second() + 1;
