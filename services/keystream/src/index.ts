/**
 * @keystream/keystream — the composition root. Its public surface is the `keystream` command;
 * the exports here serve tests.
 */
export { notServingYetMessage, servicePlan } from './servicePlan.js';
export type { ServicePlan } from './servicePlan.js';
