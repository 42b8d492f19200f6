import { expect } from 'chai';
import { isStorageExhausted, KeystreamError, storageExhausted } from '@keystream/api';
import { DuplicateEventIdError } from '../errors/duplicateEventIdError.js';
import { WrongExpectedVersionError } from '../errors/wrongExpectedVersionError.js';
import { AppendAnswerSchema, errorFromWire, errorToWire } from './appendProtocol.js';

/** An error as the writer throws it, after the trip to the forwarding process. */
function acrossTheWire(error: unknown): Error {
  const line = JSON.stringify({ id: 7, error: errorToWire(error) });
  const answer = AppendAnswerSchema.parse(JSON.parse(line));
  if (!('error' in answer)) throw new Error('no error crossed');
  return errorFromWire(answer.error);
}

/** The error as a KeystreamError (failing the test when it is not one). */
function keystreamErrorOf(error: Error): KeystreamError {
  if (!(error instanceof KeystreamError)) throw new Error(`expected a KeystreamError, got ${error.name}`);
  return error;
}

describe('append forwarding errors', () => {
  it('arrive as the class the writer threw, with what a caller reads of them', () => {
    const conflict = acrossTheWire(new WrongExpectedVersionError('Group-groups/g1', 3, 5));
    expect(conflict).to.be.instanceOf(WrongExpectedVersionError);
    expect(conflict).to.include({ stream: 'Group-groups/g1', expectedRevision: 3, actualRevision: 5, code: 'ABORTED' });
    const absent = acrossTheWire(new WrongExpectedVersionError('Group-groups/g1', 'no_stream', 'no_stream'));
    expect(absent).to.include({ expectedRevision: 'no_stream', actualRevision: 'no_stream' });
    const duplicate = acrossTheWire(new DuplicateEventIdError('Group-groups/g1', ['a', 'b']));
    if (!(duplicate instanceof DuplicateEventIdError)) throw new Error('expected a DuplicateEventIdError');
    expect(duplicate.duplicateIds).to.deep.equal(['a', 'b']);
  });

  it('keep a KeystreamError whole: code, message, details, the HTTP status it is answered with and its headers', () => {
    const full = storageExhausted('event store', Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }));
    const crossed = keystreamErrorOf(acrossTheWire(full));
    expect({ code: crossed.code, message: crossed.message, details: crossed.details, httpStatus: crossed.httpStatus, headers: crossed.headers }).to.deep.equal({
      code: full.code,
      message: full.message,
      details: full.details,
      httpStatus: full.httpStatus,
      headers: full.headers,
    });
    expect(crossed.httpStatus).to.equal(507);
    expect(isStorageExhausted(crossed)).to.equal(true);
    const refused = new KeystreamError('INVALID_ARGUMENT', 'bad', [{ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field: 'x', description: 'y' }] }], { headers: { 'retry-after': '1' } });
    const again = keystreamErrorOf(acrossTheWire(refused));
    expect({ status: again.httpStatus, headers: again.headers, details: again.details }).to.deep.equal({ status: 400, headers: { 'retry-after': '1' }, details: refused.details });
    expect(isStorageExhausted(again)).to.equal(false);
  });

  it('turn anything else into an error naming the writer, without its stack', () => {
    const crossed = acrossTheWire(new TypeError('boom'));
    expect(crossed).not.to.be.instanceOf(KeystreamError);
    expect(crossed.message).to.equal("the event log's writer failed the append: boom");
  });
});
