import { first } from './cycleFirst.js';

/** The other half. */
export const second = (): number => first() + 1;
