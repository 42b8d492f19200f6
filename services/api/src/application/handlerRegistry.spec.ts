import { expect } from 'chai';
import { ALL_METHODS, KeystreamError, METHODS, methodByName } from '@keystream/api';
import { buildHandlerRegistry, CUSTOM_HANDLERS } from './handlerRegistry.js';
import type { HandlerContext } from './handlerContext.js';
import { standardHandlerOf } from './standardHandlers.js';

describe('handler registry', () => {
  const registry = buildHandlerRegistry();

  it('should hold one handler for every method of the contract and every extension', () => {
    expect([...registry.keys()].sort()).to.deep.equal(ALL_METHODS.map((method) => method.name).sort());
  });

  it('should serve each custom method with its own handler, ahead of the generic one', () => {
    for (const [name, handler] of Object.entries(CUSTOM_HANDLERS)) {
      expect(registry.get(name as keyof typeof CUSTOM_HANDLERS), name).to.equal(handler);
    }
  });

  it('should serve every standard verb but the watches with the generic handlers', () => {
    for (const method of METHODS) {
      if (method.standard === undefined || method.standard === 'watch' || method.standard === 'watchMany') continue;
      expect(standardHandlerOf(method), method.name).to.not.equal(undefined);
    }
  });

  it('should answer UNIMPLEMENTED naming the method for one not served yet', async () => {
    const method = methodByName('AcceptProjectInvitation');
    const handler = registry.get(method.name);
    try {
      await handler?.({}, {} as HandlerContext);
      expect.fail('answered');
    } catch (error) {
      expect(error).to.be.instanceOf(KeystreamError);
      expect((error as KeystreamError).code).to.equal('UNIMPLEMENTED');
      expect((error as KeystreamError).message).to.include('AcceptProjectInvitation');
    }
  });
});
