import avro from 'avsc';

/**
 * Loads the Avro schemas of `schemas/`, checks them against the house rules and resolves each
 * event schema into one self-contained schema (the shared records of `schemas/common/` inlined at
 * their first use), which is what the registry stores and any client can use alone.
 */

/** Any JSON value of an Avro schema document. */
export type AvroSchema =
  string | number | boolean | null | AvroSchema[] | { [key: string]: AvroSchema | undefined };
type AvroObject = { [key: string]: AvroSchema | undefined };

/** One event schema, as found under `schemas/<domain>/<Name>.avsc`. */
export interface EventSchema {
  /** `<domain>/<Name>`, e.g. `orders/OrderPlaced`. */
  readonly id: string;
  readonly domain: string;
  readonly name: string;
  /** Fully qualified Avro name, e.g. `dev.switchboard.orders.OrderPlaced`. */
  readonly fullName: string;
  /** Self-contained schema: shared types inlined. */
  readonly resolved: AvroObject;
}

/** Reads a schema tree: the files under `schemas/` by path relative to it (e.g. `crm/X.avsc`). */
export interface SchemaSource {
  list(): Promise<string[]>;
  read(path: string): Promise<string>;
}

export class SchemaRuleError extends Error {
  override readonly name = 'SchemaRuleError';
}

const COMMON = 'common';
const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);

function isObject(value: AvroSchema | undefined): value is AvroObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nameOf(schema: AvroObject): string {
  return typeof schema.name === 'string' ? schema.name : '';
}

function fullNameOf(schema: AvroObject, enclosingNamespace: string | undefined): string {
  const name = nameOf(schema);
  if (name.includes('.')) return name;
  const namespace = typeof schema.namespace === 'string' ? schema.namespace : enclosingNamespace;
  return namespace ? `${namespace}.${name}` : name;
}

/** Checks the schema rules of schemas/README.md that a schema parser does not: docs, enum and null defaults. */
function checkRules(schema: AvroSchema, where: string, namespace: string | undefined): void {
  if (Array.isArray(schema)) {
    schema.forEach((branch) => checkRules(branch, where, namespace));
    return;
  }
  if (!isObject(schema)) return;
  const type = schema.type;
  if (type === 'record') {
    const fullName = fullNameOf(schema, namespace);
    const ns = fullName.includes('.') ? fullName.slice(0, fullName.lastIndexOf('.')) : namespace;
    if (typeof schema.doc !== 'string' || schema.doc === '')
      throw new SchemaRuleError(`${where}: record ${fullName} has no doc`);
    const fields = schema.fields;
    if (!Array.isArray(fields)) throw new SchemaRuleError(`${where}: record ${fullName} has no fields`);
    for (const field of fields) {
      if (!isObject(field)) continue;
      const at = `${where}: field ${fullName}.${nameOf(field)}`;
      if (typeof field.doc !== 'string' || field.doc === '') throw new SchemaRuleError(`${at} has no doc`);
      const fieldType = field.type;
      if (
        Array.isArray(fieldType) &&
        fieldType[0] === 'null' &&
        !('default' in field && field.default === null)
      ) {
        throw new SchemaRuleError(`${at} is optional but has no "default": null`);
      }
      checkRules(fieldType as AvroSchema, where, ns);
    }
  } else if (type === 'enum') {
    const fullName = fullNameOf(schema, namespace);
    const symbols = schema.symbols;
    if (typeof schema.default !== 'string' || !Array.isArray(symbols) || !symbols.includes(schema.default)) {
      throw new SchemaRuleError(
        `${where}: enum ${fullName} needs a default symbol, so readers survive new symbols`,
      );
    }
  } else if (type === 'array') {
    checkRules(schema.items as AvroSchema, where, namespace);
  } else if (type === 'map') {
    checkRules(schema.values as AvroSchema, where, namespace);
  }
}

/** Replaces the first reference to each shared type by its definition, recursively. */
function inline(
  schema: AvroSchema,
  shared: ReadonlyMap<string, AvroObject>,
  defined: Set<string>,
): AvroSchema {
  if (typeof schema === 'string') {
    if (PRIMITIVES.has(schema) || defined.has(schema)) return schema;
    const definition = shared.get(schema);
    if (!definition) return schema;
    defined.add(schema);
    return inline(definition, shared, defined);
  }
  if (Array.isArray(schema)) return schema.map((branch) => inline(branch, shared, defined));
  if (!isObject(schema)) return schema;
  const out: AvroObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (value === undefined) continue;
    if (key === 'type' || key === 'items' || key === 'values') out[key] = inline(value, shared, defined);
    else if (key === 'fields' && Array.isArray(value)) {
      out[key] = value.map((field) =>
        isObject(field) && field.type !== undefined
          ? { ...field, type: inline(field.type, shared, defined) }
          : field,
      );
    } else out[key] = value;
  }
  if ((out.type === 'record' || out.type === 'enum') && typeof out.name === 'string')
    defined.add(fullNameOf(out, undefined));
  return out;
}

/**
 * Loads, checks and resolves every event schema of a schema tree, sorted by id. `strict: false`
 * skips the house rules, for reading old versions from history that predate a rule.
 */
export async function loadEventSchemas(source: SchemaSource, { strict = true } = {}): Promise<EventSchema[]> {
  const paths = (await source.list()).filter((p) => p.endsWith('.avsc')).sort();
  const shared = new Map<string, AvroObject>();
  const events: { path: string; schema: AvroObject }[] = [];
  for (const path of paths) {
    const parsed = JSON.parse(await source.read(path)) as AvroSchema;
    if (!isObject(parsed)) throw new SchemaRuleError(`${path}: not a named Avro schema`);
    if (strict) checkRules(parsed, path, undefined);
    if (path.startsWith(`${COMMON}/`)) shared.set(fullNameOf(parsed, undefined), parsed);
    else events.push({ path, schema: parsed });
  }
  return events.map(({ path, schema }) => {
    const [domain = '', file = ''] = path.split('/');
    const name = file.replace(/\.avsc$/, '');
    const fullName = fullNameOf(schema, undefined);
    if (nameOf(schema) !== name)
      throw new SchemaRuleError(`${path}: record is named ${nameOf(schema)}, not ${name}`);
    const fields = schema.fields;
    const first = Array.isArray(fields) && isObject(fields[0]) ? fields[0] : undefined;
    if (strict && (first?.name !== 'meta' || first.type !== 'dev.switchboard.common.EventMeta')) {
      throw new SchemaRuleError(
        `${path}: the first field must be "meta" of type dev.switchboard.common.EventMeta`,
      );
    }
    const resolved = inline(schema, shared, new Set()) as AvroObject;
    try {
      avro.Type.forSchema(resolved as avro.Schema);
    } catch (error) {
      throw new SchemaRuleError(`${path}: ${(error as Error).message}`);
    }
    return { id: `${domain}/${name}`, domain, name, fullName, resolved };
  });
}
