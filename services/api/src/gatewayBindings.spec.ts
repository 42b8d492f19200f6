/**
 * Every binding of the real protos (`../shared/spec/upstream/rpcs.tsv`, 265), called with a request
 * that sets nearly every field, built the way grpc-gateway's rules build it (path variables, the
 * body per the binding, everything else in the query string: proto names, dotted, repeated,
 * `map[key]=value`), transcodes to exactly the request that was meant.
 */
import { decodeMessage, messageDescriptor, type MessageName } from '@keystream/api';
import { findUpstreamDirectory, gatewayRequest, readUpstreamTables, richMessage, setPath, templateVariables, type RpcRouteRow } from '@keystream/api/testing';
import { expect } from 'chai';
import { transcodeRequest } from './requestTranscoder.js';
import { RouteTable } from './routeTable.js';

const table = new RouteTable();

function contractName(protoName: string): string {
  const name = protoName.replace(/^ntt\.iam\.v1\./, '');
  return messageDescriptor(name).name;
}

/** The meant request: rich where the binding can carry it, with the path variables' values. */
function meantRequest(route: RpcRouteRow): Record<string, unknown> {
  const requestType = contractName(route.input);
  const request = richMessage(requestType, { queryOnly: route.body === undefined });
  if (route.body !== undefined && route.body !== '*') {
    // The body field may hold anything; the rest travels in the query string.
    const rich = richMessage(requestType, { queryOnly: true });
    const full = richMessage(requestType);
    const bodyKey = messageDescriptor(requestType).field(route.body.split('.')[0] as string)?.jsonName as string;
    Object.assign(request, rich, { [bodyKey]: full[bodyKey] });
  }
  for (const variable of templateVariables(route.path)) setPath(request, requestType, variable.fieldPath, variable.value);
  return request;
}

describe('transcodeRequest on every binding of rpcs.tsv', () => {
  it('should turn a request built as grpc-gateway builds it back into the request meant, on all 265 bindings', function (this: Mocha.Context) {
    const directory = findUpstreamDirectory();
    if (directory === undefined) {
      console.log('      skipped: ../shared/spec/upstream/ not found beside the repository');
      this.skip();
    }
    const routes = readUpstreamTables(directory).routes;
    let withQuery = 0;
    for (const route of routes) {
      const requestType = contractName(route.input);
      const meant = meantRequest(route);
      const built = gatewayRequest(route, requestType, meant);
      const [path = '', query = ''] = built.target.split('?');
      if (query !== '') withQuery += 1;
      const match = table.match(built.verb, path);
      const label = `${route.rpc} ${built.verb} ${built.target.slice(0, 160)}`;
      expect(match.method.name, label).to.equal(route.rpc);
      const ignored: string[] = [];
      const transcoded = transcodeRequest(match, { query, body: Buffer.from(built.body ?? ''), contentType: built.body === undefined ? undefined : 'application/json' }, ignored);
      expect(transcoded, label).to.deep.equal(decodeMessage(requestType as MessageName, meant));
      expect(ignored, label).to.deep.equal([]);
    }
    expect(routes).to.have.length(265);
    // Most bindings send fields in the query string (those whose every field is bound by the path
    // or the body send none), so the query-string reading is what this mostly exercises.
    expect(withQuery).to.be.greaterThan(200);
    console.log(`      ${routes.length} bindings transcoded as meant, ${withQuery} of them with a query string`);
  });
});
