/**
 * The generated files of the contract as a pure function of their sources, so the generator writes
 * them and the conformance test regenerates them in memory to prove the committed copies current.
 */
import { HEADER, renderSchemas, renderSpecModel } from './renderContract.js';
import { parseSpec } from './specParser.js';
import type { UpstreamTables } from './upstreamTables.js';
import { correctedModel } from './wellKnownModel.js';
import { buildWireModel, renderWireModel, type WireModel } from './wireModel.js';
import type { SpecModel } from './specParser.js';

/** The contents of `generated/*.ts`, by file name, with the models they were rendered from. */
export interface ContractFiles {
  readonly model: SpecModel;
  readonly wire: WireModel;
  readonly files: Readonly<Record<'specModel.ts' | 'schemas.ts' | 'wireModel.ts', string>>;
}

/** Renders the generated files from the reference's text and the upstream tables. */
export function renderContractFiles(specText: string, tables: UpstreamTables): ContractFiles {
  const model = correctedModel(parseSpec(specText));
  const wire = buildWireModel(model, tables);
  return {
    model,
    wire,
    files: {
      'specModel.ts': renderSpecModel(model),
      'schemas.ts': renderSchemas(model, wire),
      'wireModel.ts': renderWireModel(wire, HEADER),
    },
  };
}
