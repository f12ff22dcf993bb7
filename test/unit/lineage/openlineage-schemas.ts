/// <reference types="vite/client" />
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import type { RunEvent } from "../../../src/lineage/openlineage";

// Bundled by vite (no file system), so the same validator runs in Node and inside workerd.
const modules = import.meta.glob<{ default: { $id: string; properties?: Record<string, unknown> } }>("../../fixtures/openlineage/*.json", { eager: true });
const schemas = Object.values(modules).map((m) => m.default);

// Not strict: the published schemas use `not: { required: [...] }` over properties they leave undefined.
const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: true });
addFormats.default(ajv);
for (const schema of schemas) ajv.addSchema(schema);

const CORE = "https://openlineage.io/spec/2-0-2/OpenLineage.json";

/** Facet name → the published schema that defines it (each facet file's one top-level property). */
const facetSchemas = new Map<string, string>();
for (const schema of schemas) for (const key of Object.keys(schema.properties ?? {})) if (schema.$id !== CORE) facetSchemas.set(key, schema.$id);

/**
 * Validates an event against the vendored OpenLineage 2-0-2 spec and every
 * facet in it against its own published schema; returns the errors (none: valid).
 * A facet with no vendored schema is an error too, so nothing goes unchecked.
 */
export function openLineageErrors(event: RunEvent): string[] {
  const errors: string[] = [];
  const check = (id: string, value: unknown, where: string) => {
    const validate = ajv.getSchema(id);
    if (validate === undefined) throw new Error(`no schema ${id}`);
    if (!validate(value)) for (const e of validate.errors ?? []) errors.push(`${where}${e.instancePath} ${e.message ?? ""}`);
  };
  check(CORE, event, "event");
  const facetGroups: Array<[string, Record<string, unknown> | undefined]> = [
    ["run", event.run.facets],
    ["job", event.job.facets],
    ...[...event.inputs, ...event.outputs].map((d): [string, Record<string, unknown> | undefined] => [`dataset ${d.name}`, d.facets]),
  ];
  for (const [where, facets] of facetGroups) {
    for (const [name, facet] of Object.entries(facets ?? {})) {
      const id = facetSchemas.get(name);
      if (id === undefined) errors.push(`${where}: facet ${name} has no vendored schema`);
      else check(id, { [name]: facet }, `${where} facet `);
    }
  }
  return errors;
}
