/**
 * The TCG PC Client event log (binary_bios_measurements) and its replay. Both layouts are read:
 * the crypto-agile one (a first TCG_PCR_EVENT carrying "Spec ID Event03", then TCG_PCR_EVENT2
 * records with one digest per bank) and the SHA-1-only one (TCG_PCR_EVENT records). All integers
 * are little-endian, as the PC Client Platform Firmware Profile defines them.
 */
import { createHash } from 'node:crypto';
import { AttestationInputError } from '../attestationInputError.js';
import { hashById, type TpmHash } from '../tpm/tpmAlgorithms.js';
import { pcrKey } from './pcrValues.js';

/** One measured event: the PCR, its type and the digest extended into each bank. */
export interface LogEvent {
  readonly pcrIndex: number;
  readonly eventType: number;
  readonly digests: ReadonlyMap<string, Buffer>;
  readonly data: Buffer;
}

const EV_NO_ACTION = 0x00000003;
const SPEC_ID_SIGNATURE = 'Spec ID Event03\0';
const STARTUP_LOCALITY_SIGNATURE = 'StartupLocality\0';
/** Refuse absurd logs before allocating for them. */
const MAX_EVENTS = 100_000;

class LittleEndianReader {
  offset = 0;
  constructor(private readonly bytes: Buffer) {}
  get remaining(): number {
    return this.bytes.length - this.offset;
  }
  take(length: number, what: string): Buffer {
    if (length > this.remaining) throw new AttestationInputError(`event log is truncated: ${what} needs ${length} bytes at offset ${this.offset}`);
    const slice = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return slice;
  }
  u8(what: string): number {
    return this.take(1, what).readUInt8(0);
  }
  u16(what: string): number {
    return this.take(2, what).readUInt16LE(0);
  }
  u32(what: string): number {
    return this.take(4, what).readUInt32LE(0);
  }
}

/** The parsed log: events in order, and the initial value of PCR 0 (the startup locality). */
export interface EventLog {
  readonly events: readonly LogEvent[];
  readonly banks: readonly TpmHash[];
  readonly startupLocality: number;
}

/** Parses an event log. */
export function parseEventLog(bytes: Uint8Array): EventLog {
  const reader = new LittleEndianReader(Buffer.from(bytes));
  const sha1 = hashById(0x0004, 'event log');
  // The first record is always in the SHA-1 layout.
  const firstPcr = reader.u32('event 0 pcrIndex');
  const firstType = reader.u32('event 0 eventType');
  const firstDigest = Buffer.from(reader.take(20, 'event 0 digest'));
  const firstData = Buffer.from(reader.take(reader.u32('event 0 eventSize'), 'event 0 data'));
  const cryptoAgile = firstType === EV_NO_ACTION && firstData.subarray(0, 16).toString('latin1') === SPEC_ID_SIGNATURE;
  const events: LogEvent[] = [];
  let banks: TpmHash[] = [sha1];
  const sizes = new Map<number, number>();
  if (cryptoAgile) {
    const spec = new LittleEndianReader(firstData);
    spec.take(16 + 4 + 4, 'Spec ID header');
    const count = spec.u32('numberOfAlgorithms');
    if (count === 0 || count > 16) throw new AttestationInputError(`event log: Spec ID event lists ${count} algorithms`);
    banks = [];
    for (let i = 0; i < count; i++) {
      const id = spec.u16('algorithmId');
      const size = spec.u16('digestSize');
      sizes.set(id, size);
      try {
        banks.push(hashById(id, 'event log'));
      } catch {
        // A bank keystream cannot hash (SM3 …) is skipped over by its declared size.
      }
    }
  } else {
    events.push({ pcrIndex: firstPcr, eventType: firstType, digests: new Map([[sha1.name, firstDigest]]), data: firstData });
  }
  let startupLocality = 0;
  while (reader.remaining > 0) {
    if (events.length >= MAX_EVENTS) throw new AttestationInputError(`event log has more than ${MAX_EVENTS} events`);
    const n = events.length + 1;
    const pcrIndex = reader.u32(`event ${n} pcrIndex`);
    const eventType = reader.u32(`event ${n} eventType`);
    const digests = new Map<string, Buffer>();
    if (cryptoAgile) {
      const count = reader.u32(`event ${n} digest count`);
      for (let i = 0; i < count; i++) {
        const id = reader.u16(`event ${n} hashAlg`);
        const size = sizes.get(id);
        if (size === undefined) throw new AttestationInputError(`event log: event ${n} uses algorithm 0x${id.toString(16)} the Spec ID event did not declare`);
        const digest = Buffer.from(reader.take(size, `event ${n} digest`));
        const bank = banks.find((hash) => hash.id === id);
        if (bank !== undefined) digests.set(bank.name, digest);
      }
    } else {
      digests.set(sha1.name, Buffer.from(reader.take(20, `event ${n} digest`)));
    }
    const data = Buffer.from(reader.take(reader.u32(`event ${n} eventSize`), `event ${n} data`));
    if (eventType === EV_NO_ACTION && pcrIndex === 0 && data.subarray(0, 16).toString('latin1') === STARTUP_LOCALITY_SIGNATURE && data.length >= 17) {
      startupLocality = data.readUInt8(16);
    }
    events.push({ pcrIndex, eventType, digests, data });
  }
  return { events, banks, startupLocality };
}

/** Replays the log: the PCR values it implies, by `${bank}:${index}` (EV_NO_ACTION events are not extended). */
export function replayEventLog(log: EventLog): Map<string, Buffer> {
  const values = new Map<string, Buffer>();
  for (const event of log.events) {
    if (event.eventType === EV_NO_ACTION) continue;
    for (const bank of log.banks) {
      const digest = event.digests.get(bank.name);
      if (digest === undefined) continue;
      const key = pcrKey(bank, event.pcrIndex);
      let current = values.get(key);
      if (current === undefined) {
        current = Buffer.alloc(bank.size);
        if (event.pcrIndex === 0) current[bank.size - 1] = log.startupLocality;
      }
      values.set(key, createHash(bank.name).update(current).update(digest).digest());
    }
  }
  return values;
}
