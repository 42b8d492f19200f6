import { Socket } from 'node:net';
import { expect } from 'chai';
import { connectionSharing, type RoleProcess } from './roleProcess.js';

/** A replica child as the sharing sees it: whether it takes connections now, and which it took. */
function replica(name: string, serving: () => boolean, taken: string[]): RoleProcess {
  return {
    roles: 'replica,gateway',
    pid: () => undefined,
    handOver(socket) {
      if (!serving()) return false;
      taken.push(`${name}:${String((socket as Socket & { label?: string }).label)}`);
      return true;
    },
    stop: () => Promise.resolve(),
  };
}

function labelled(label: string): Socket {
  return Object.assign(new Socket(), { label });
}

describe('connectionSharing', () => {
  it('serves nothing apart without replicas', () => {
    expect(connectionSharing([])).to.equal(undefined);
  });

  it('takes turns between this process and each replica, serving here the turns of a replica that does not serve now', () => {
    const taken: string[] = [];
    let secondServes = false;
    const share = connectionSharing([replica('a', () => true, taken), replica('b', () => secondServes, taken)]);
    if (share === undefined) throw new Error('expected a sharing function');
    const servedHere: string[] = [];
    const offer = (label: string): void => {
      if (!share(labelled(label))) servedHere.push(label);
    };
    for (const label of ['1', '2', '3', '4', '5', '6']) offer(label);
    secondServes = true;
    for (const label of ['7', '8', '9']) offer(label);
    expect(taken).to.deep.equal(['a:1', 'a:4', 'a:7', 'b:8']);
    expect(servedHere).to.deep.equal(['2', '3', '5', '6', '9']);
  });
});
