/** Function tasks: define, register and look up TypeScript functions a DAG can run. */
export { defineFunction, FUNCTION_NAME_PATTERN, type FunctionContext, type FunctionDef, type FunctionDefinition } from "./define";
export { echo, fail, noop, range, sleep, sum, EXAMPLE_FUNCTIONS } from "./examples";
export { buildRegistry, FUNCTIONS, functionNames } from "./registry";
