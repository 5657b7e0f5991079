export * from "./paths.ts";
export * from "./schemas.ts";
export * from "./queries.ts";
export * from "./search.ts";
export * from "./index-checker.ts";
export * from "./query-catalog.ts";
export * from "./contract.ts";
export * from "./rules-constants.ts";
