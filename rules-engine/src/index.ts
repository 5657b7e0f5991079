// Public surface of the rules engine: the contract types (api.ts) and the pipeline's entry points.
export type * from "./api.ts";
export { compile, evaluate, evaluateExpression, type ExpressionResult } from "./engine.ts";
export { LIMITS } from "./evaluator.ts";
export { valueEquals, showValue } from "./values.ts";
