import { Socket } from 'node:net';
import { expect } from 'chai';
import { connectionSharing, type ConnectionProtocol, type RoleProcess } from './roleProcess.js';

/** A replica child as the sharing sees it: whether it takes connections now (of which protocols), and which it took. */
function replica(name: string, serving: () => boolean, taken: string[], protocols: readonly ConnectionProtocol[] = ['http', 'grpc']): RoleProcess {
  return {
    roles: 'replica,gateway',
    pid: () => undefined,
    handOver(socket, protocol = 'http') {
      if (!serving() || !protocols.includes(protocol)) return false;
      taken.push(`${name}:${protocol}:${String((socket as Socket & { label?: string }).label)}`);
      return true;
    },
    metrics: () => Promise.resolve(undefined),
    answerScrapesWith: () => undefined,
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
    expect(taken).to.deep.equal(['a:http:1', 'a:http:4', 'a:http:7', 'b:http:8']);
    expect(servedHere).to.deep.equal(['2', '3', '5', '6', '9']);
  });

  it('shares each edge\'s connections in turns of their own, handing gRPC ones only to a replica that serves gRPC', () => {
    const taken: string[] = [];
    const replicas = [replica('a', () => true, taken, ['http']), replica('b', () => true, taken, ['http', 'grpc'])];
    const shareHttp = connectionSharing(replicas, 'http');
    const shareGrpc = connectionSharing(replicas, 'grpc');
    if (shareHttp === undefined || shareGrpc === undefined) throw new Error('expected sharing functions');
    const servedHere: string[] = [];
    for (const label of ['g1', 'g2', 'g3']) if (!shareGrpc(labelled(label))) servedHere.push(label);
    for (const label of ['h1', 'h2']) if (!shareHttp(labelled(label))) servedHere.push(label);
    // gRPC: a's turn (no gRPC edge there) and this process's are served here; HTTP turns start afresh.
    expect(taken).to.deep.equal(['b:grpc:g2', 'a:http:h1', 'b:http:h2']);
    expect(servedHere).to.deep.equal(['g1', 'g3']);
  });
});
