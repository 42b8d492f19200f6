/**
 * Given / when / then for the resource decider (emmett's DeciderSpecification shape):
 *
 *   DeciderSpecification.for('Group')
 *     .given([{ type: 'GroupCreated', data: { resource } }])
 *     .when({ type: 'update', kind: 'Group', resource: {...}, updateMask: ['display_name'] })
 *     .then((events) => ...)
 */
import { expect } from 'chai';
import { KeystreamError, type ResourceKind, type StatusCode } from '@keystream/api';
import type { JsonObject } from '../events/resourceEvents.js';
import type { DecideContext } from '../decider/decideContext.js';
import { decideResource, type Decision, type DomainEvent, type ResourceCommand } from '../decider/resourceDecider.js';
import { foldResource } from '../decider/resourceState.js';

/** The context a test decides in unless it says otherwise. */
export const TEST_NOW = '2026-01-02T03:04:05.000000000Z';
export const LATER = '2026-01-02T04:00:00.000000000Z';

type References = Readonly<Record<string, JsonObject | undefined>> | ReadonlyMap<string, JsonObject | undefined>;

/** A context for tests: fixed clock, uuid and actor, the given references. */
export function testContext(overrides: Omit<Partial<DecideContext>, 'references'> & { references?: References } = {}): DecideContext {
  const { references, ...rest } = overrides;
  return {
    now: TEST_NOW,
    uuid: '00000000-0000-4000-8000-000000000001',
    actor: 'user:alice@example.com',
    ...rest,
    references: references instanceof Map ? references : new Map(Object.entries(references ?? {})),
  };
}

interface Then {
  /** Asserts the decision's events (and returns the decision for further checks). */
  then(expected: readonly DomainEvent[] | ((events: readonly DomainEvent[], decision: Decision) => void)): Decision;
  /** Asserts the command is refused with this code and a message matching `message`. */
  thenThrows(code: StatusCode, message?: RegExp): void;
}

export const DeciderSpecification = {
  for(kind: ResourceKind) {
    return {
      given(events: readonly DomainEvent[]) {
        const state = foldResource(
          kind,
          events.map((event, revision) => ({ ...event, revision })),
        );
        return {
          when(command: ResourceCommand, context: DecideContext = testContext()): Then {
            const run = (): Decision => decideResource(command, state, context);
            return {
              then(expected) {
                const decision = run();
                if (typeof expected === 'function') expected(decision.events, decision);
                else expect(decision.events).to.deep.equal(expected);
                return decision;
              },
              thenThrows(code, message) {
                try {
                  run();
                } catch (error) {
                  expect(error, String(error)).to.be.instanceOf(KeystreamError);
                  expect((error as KeystreamError).code, (error as Error).message).to.equal(code);
                  if (message) expect((error as Error).message).to.match(message);
                  return;
                }
                expect.fail(`expected ${code}, but the command was accepted`);
              },
            };
          },
        };
      },
    };
  },
};
