/**
 * The generated `.proto` files (docs/proto) loaded as protobuf descriptors: the gRPC edge encodes
 * and decodes every message with them, and serves them to reflection.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

/** The root folder of the generated protos (docs/proto of the repository). */
export const PROTO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../docs/proto');

/** The files that declare the services (the others are imported by them). */
export const SERVICE_FILES = ['ntt/iam/v1/iam.proto'] as const;

/** Where protobufjs keeps its copy of google/protobuf/*.proto (descriptor.proto is not among its built-ins). */
const PROTOBUF_INCLUDE = path.resolve(path.dirname(fileURLToPath(import.meta.resolve('protobufjs/package.json'))));

/** Resolves an import to a file: ours under {@link PROTO_ROOT}, google/protobuf from protobufjs. */
export function resolveProtoImport(target: string): string {
  if (path.isAbsolute(target)) return target;
  const own = path.join(PROTO_ROOT, target);
  if (existsSync(own)) return own;
  return path.join(PROTOBUF_INCLUDE, target);
}

/** Loads the generated protos into a resolved protobufjs root (proto field names kept as declared). */
export function loadProtoRoot(): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => resolveProtoImport(target);
  root.loadSync([...SERVICE_FILES], { keepCase: true });
  root.resolveAll();
  return root;
}
