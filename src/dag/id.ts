import { z } from "zod";

/** Task and DAG ids (their own module: the spec and the trigger schemas both use them). */

export const ID_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

export const IdSchema = z
  .string()
  .regex(ID_PATTERN, { message: "must match ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$" })
  // JSON.parse keeps `__proto__` as a key, but any object assignment would turn it into a prototype.
  .refine((id) => id !== "__proto__", { message: "'__proto__' is reserved" });
