/**
 * Parser for the iam.edgelq.com v1 API reference text (`shared/spec/004_*.txt`).
 *
 * The reference is a rendering of the proto files with a very regular layout: resource sections
 * (name patterns, methods with their rpc line, permissions and REST routes, messages as
 * "Name Type Description" tables, enumerations as "Name Description" tables) followed by a shared
 * section. This parser is strict: a line it cannot place is an error naming the line number, so a
 * change in the reference's layout fails loudly instead of silently dropping part of the contract.
 *
 * Descriptions are deliberately not kept: only the structure of the API is generated into the
 * repository, not the reference's prose.
 */

/** How a string field relates to a resource, from the reference's "(name of X)" style annotations. */
export type SpecStringRelation = 'name' | 'reference' | 'parentName' | 'cursor' | 'filter' | 'orderBy';

/** One field of a message as written in the reference. */
export interface SpecField {
  readonly name: string;
  /** The type token as written (e.g. `string`, `.google.protobuf.Timestamp`, `Role.Grant`). */
  readonly type: string;
  readonly repeated: boolean;
  /** Present for `map<K, V>` fields; `type` then holds V. */
  readonly mapKey?: string;
  readonly relation?: { readonly kind: SpecStringRelation; readonly target: string };
  /** The regex the reference states for the last id segment of a resource name field. */
  readonly idPattern?: string;
}

export interface SpecMessage {
  /** Dotted name relative to the package, e.g. `AttestationDomain.Policy`. */
  readonly name: string;
  /** Resource section the message appears in, or `shared`. */
  readonly section: string;
  readonly fields: readonly SpecField[];
}

export interface SpecEnum {
  readonly name: string;
  readonly section: string;
  readonly values: readonly string[];
}

/** An HTTP binding of a method. `body` is the `BODY:` clause when the line has one. */
export interface SpecRoute {
  readonly verb: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly body?: string;
}

export interface SpecMethod {
  readonly name: string;
  readonly section: string;
  readonly requestType: string;
  readonly responseType: string;
  readonly permissions: readonly string[];
  readonly routes: readonly SpecRoute[];
}

export interface SpecResource {
  readonly name: string;
  readonly namePatterns: readonly string[];
}

/** Everything structural the reference says about the API. */
export interface SpecModel {
  readonly service: string;
  readonly version: string;
  readonly protoPackage: string;
  readonly resources: readonly SpecResource[];
  readonly methods: readonly SpecMethod[];
  readonly messages: readonly SpecMessage[];
  readonly enums: readonly SpecEnum[];
}

/** The reference's layout is not what this parser expects. */
export class SpecParseError extends Error {
  constructor(
    readonly lineNumber: number,
    message: string,
  ) {
    super(`spec line ${lineNumber}: ${message}`);
    this.name = 'SpecParseError';
  }
}

const RESOURCE_HEADING = /^([A-Z][A-Za-z0-9]*) Resource$/;
const METHOD_HEADING = /^([A-Z][A-Za-z0-9]*) Method$/;
const MESSAGE_HEADING = /^([A-Z][A-Za-z0-9.]*) Message$/;
const ENUM_HEADING = /^([A-Z][A-Za-z0-9.]*) Enumeration$/;
const RPC_LINE = /^rpc ([A-Za-z0-9]+)\(([A-Za-z0-9.]+)\) returns \(([A-Za-z0-9.]+)\)$/;
const ROUTE_LINE = /^(GET|POST|PUT|PATCH|DELETE) (\/\S+)\s*(?:\(BODY: ([A-Za-z_.*]+)\))?\s*$/;
const BULLET_LINE = /^\s+•\s+(\S+)\s*$/;
const SERVICE_LINE = /^Service (\S+) in version (\S+), proto package (\S+)$/;
const FIELD_NAME = /^[a-z][a-z0-9_]*$/;
const ENUM_VALUE = /^[A-Z][A-Z0-9_]*$/;
const ID_PATTERN = /Last ID segment must conform to the following regex: (\S+)/;
const RELATION = /^\((name|reference|parent name|cursor|filter|orderBy) (?:of|to) ([A-Za-z0-9.]+)\)/;

const RELATION_KINDS: Readonly<Record<string, SpecStringRelation>> = {
  name: 'name',
  reference: 'reference',
  'parent name': 'parentName',
  cursor: 'cursor',
  filter: 'filter',
  orderBy: 'orderBy',
};

type Block = 'none' | 'namePatterns' | 'permissions' | 'routes' | 'fieldsPending' | 'fields' | 'valuesPending' | 'values';

interface MutableMethod {
  name: string;
  section: string;
  requestType?: string;
  responseType?: string;
  permissions: string[];
  routes: SpecRoute[];
}

/** Parses one field line of a "Name Type Description" table. */
export function parseFieldLine(line: string, lineNumber: number): SpecField {
  const firstSpace = line.indexOf(' ');
  if (firstSpace < 0) throw new SpecParseError(lineNumber, `field line has no type: "${line}"`);
  const name = line.slice(0, firstSpace);
  if (!FIELD_NAME.test(name)) throw new SpecParseError(lineNumber, `"${name}" is not a field name`);
  let rest = line.slice(firstSpace + 1);
  let repeated = false;
  let mapKey: string | undefined;
  let type: string;
  const mapMatch = /^map<([A-Za-z0-9.]+), ([A-Za-z0-9.]+)>/.exec(rest);
  if (mapMatch) {
    mapKey = mapMatch[1];
    type = mapMatch[2] as string;
    rest = rest.slice(mapMatch[0].length);
  } else {
    if (rest.startsWith('repeated ')) {
      repeated = true;
      rest = rest.slice('repeated '.length);
    }
    const typeMatch = /^[A-Za-z0-9.]+/.exec(rest);
    if (!typeMatch) throw new SpecParseError(lineNumber, `field "${name}" has no type`);
    type = typeMatch[0];
    rest = rest.slice(type.length);
  }
  rest = rest.trimStart();
  const relationMatch = RELATION.exec(rest);
  const relation = relationMatch
    ? { kind: RELATION_KINDS[relationMatch[1] as string] as SpecStringRelation, target: relationMatch[2] as string }
    : undefined;
  const idPattern = ID_PATTERN.exec(rest)?.[1];
  return {
    name,
    type,
    repeated,
    ...(mapKey === undefined ? {} : { mapKey }),
    ...(relation === undefined ? {} : { relation }),
    ...(idPattern === undefined ? {} : { idPattern }),
  };
}

/** Parses the whole reference text into its structure. */
export function parseSpec(text: string): SpecModel {
  const lines = text.split(/\r?\n/);
  let service: string | undefined;
  let version: string | undefined;
  let protoPackage: string | undefined;
  let section = 'shared';
  let block: Block = 'none';
  const resources: SpecResource[] = [];
  const methods: MutableMethod[] = [];
  const messages: { name: string; section: string; fields: SpecField[] }[] = [];
  const enums: { name: string; section: string; values: string[] }[] = [];
  let currentResource: { name: string; namePatterns: string[] } | undefined;
  let currentMethod: MutableMethod | undefined;
  let currentMessage: { fields: SpecField[] } | undefined;
  let currentEnum: { values: string[] } | undefined;

  lines.forEach((raw, index) => {
    const lineNumber = index + 1;
    const line = raw.trimEnd();

    if (line === '') {
      // Tables end at the first blank line; a heading's blank line before its table does not.
      if (block === 'fields' || block === 'values') block = 'none';
      if (block === 'routes' && currentMethod && currentMethod.routes.length > 0) block = 'none';
      if (block === 'namePatterns' && currentResource && currentResource.namePatterns.length > 0) block = 'none';
      if (block === 'permissions' && currentMethod && currentMethod.permissions.length > 0) block = 'none';
      return;
    }

    if (block === 'fields') {
      if (line === 'none none none') return;
      currentMessage?.fields.push(parseFieldLine(line, lineNumber));
      return;
    }
    if (block === 'values') {
      const value = line.split(' ', 1)[0] as string;
      if (!ENUM_VALUE.test(value)) throw new SpecParseError(lineNumber, `"${value}" is not an enum value`);
      currentEnum?.values.push(value);
      return;
    }
    if (block === 'namePatterns' || block === 'permissions') {
      const bullet = BULLET_LINE.exec(raw);
      if (bullet) {
        if (block === 'namePatterns') currentResource?.namePatterns.push(bullet[1] as string);
        else currentMethod?.permissions.push(bullet[1] as string);
        return;
      }
      block = 'none';
    }
    if (block === 'routes') {
      const route = ROUTE_LINE.exec(line);
      if (!route) throw new SpecParseError(lineNumber, `expected a REST route after "The equivalent REST API is:", found "${line}"`);
      currentMethod?.routes.push({
        verb: route[1] as SpecRoute['verb'],
        path: route[2] as string,
        ...(route[3] === undefined ? {} : { body: route[3] }),
      });
      return;
    }

    const serviceLine = SERVICE_LINE.exec(line);
    if (serviceLine) {
      [, service, version, protoPackage] = serviceLine as unknown as [string, string, string, string];
      return;
    }
    if (line === 'IAM Service Shared Methods and Messages') {
      section = 'shared';
      currentResource = undefined;
      return;
    }
    const resourceHeading = RESOURCE_HEADING.exec(line);
    if (resourceHeading) {
      const name = resourceHeading[1] as string;
      section = name;
      if (currentResource?.name !== name) {
        currentResource = { name, namePatterns: [] };
        resources.push(currentResource);
      }
      return;
    }
    if (line === 'Name patterns:') {
      block = 'namePatterns';
      return;
    }
    const methodHeading = METHOD_HEADING.exec(line);
    if (methodHeading) {
      currentMethod = { name: methodHeading[1] as string, section, permissions: [], routes: [] };
      methods.push(currentMethod);
      return;
    }
    const rpc = RPC_LINE.exec(line);
    if (rpc) {
      if (!currentMethod || currentMethod.name !== rpc[1]) {
        throw new SpecParseError(lineNumber, `rpc ${rpc[1] ?? ''} appears outside its method heading`);
      }
      currentMethod.requestType = rpc[2] as string;
      currentMethod.responseType = rpc[3] as string;
      return;
    }
    if (line === 'Required Permissions:') {
      block = 'permissions';
      return;
    }
    if (line === 'The equivalent REST API is:') {
      block = 'routes';
      return;
    }
    const messageHeading = MESSAGE_HEADING.exec(line);
    if (messageHeading) {
      currentMessage = { fields: [] };
      messages.push({ name: messageHeading[1] as string, section, fields: currentMessage.fields });
      block = 'fieldsPending';
      return;
    }
    const enumHeading = ENUM_HEADING.exec(line);
    if (enumHeading) {
      currentEnum = { values: [] };
      enums.push({ name: enumHeading[1] as string, section, values: currentEnum.values });
      block = 'valuesPending';
      return;
    }
    if (line === 'Name Type Description' && block === 'fieldsPending') {
      block = 'fields';
      return;
    }
    if (line === 'Name Description' && block === 'valuesPending') {
      block = 'values';
      return;
    }
    // Anything else is prose (headings, descriptions, "with the following messages:").
  });

  if (service === undefined || version === undefined || protoPackage === undefined) {
    throw new SpecParseError(1, 'the "Service … in version …, proto package …" line is missing');
  }
  return {
    service,
    version,
    protoPackage,
    resources,
    methods: methods.map((method) => {
      if (method.requestType === undefined || method.responseType === undefined) {
        throw new SpecParseError(0, `method ${method.name} has no rpc line`);
      }
      return {
        name: method.name,
        section: method.section,
        requestType: method.requestType,
        responseType: method.responseType,
        permissions: method.permissions,
        routes: method.routes,
      };
    }),
    messages,
    enums,
  };
}
