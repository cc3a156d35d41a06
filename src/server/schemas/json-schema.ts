/**
 * Small helpers for writing the route schemas as plain JSON Schema (draft-07, which both
 * Ajv and @fastify/swagger understand). Unions use `type: [..., 'null']` where Qdrant has
 * `nullable: true`.
 */
export type JsonSchema = Record<string, unknown>;

/** The schema, or null. */
export function nullable(schema: JsonSchema): JsonSchema {
  const type = schema.type;
  if (typeof type !== 'string' && !Array.isArray(type)) return { anyOf: [schema, { type: 'null' }] };
  const types: unknown[] = Array.isArray(type) ? type : [type];
  if (types.includes('null')) return schema;
  // An enum lists every allowed value, so null must join it too.
  const enumeration = Array.isArray(schema.enum) ? { enum: [...(schema.enum as unknown[]), null] } : {};
  return { ...schema, type: [...types, 'null'], ...enumeration };
}

/** A closed object: unknown fields are rejected by name, as Qdrant's deserializer does. */
export function object(properties: Record<string, JsonSchema>, options: { required?: string[]; description?: string } = {}): JsonSchema {
  return {
    type: 'object',
    properties,
    additionalProperties: false,
    ...(options.required === undefined ? {} : { required: options.required }),
    ...(options.description === undefined ? {} : { description: options.description }),
  };
}

export function arrayOf(items: JsonSchema, options: { maxItems?: number; description?: string } = {}): JsonSchema {
  return {
    type: 'array',
    items,
    ...(options.maxItems === undefined ? {} : { maxItems: options.maxItems }),
    ...(options.description === undefined ? {} : { description: options.description }),
  };
}
