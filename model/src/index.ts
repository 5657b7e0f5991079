export * from "./paths.ts";
export * from "./schemas.ts";
export * from "./queries.ts";
export * from "./search.ts";
