// The JSON-lines protocol between firebase-tools' Storage emulator and its rules runtime, as firebase-tools
// speaks it (src/emulator/storage/rules/runtime.ts and types.ts in firebase-tools). One JSON object per line in
// each direction.
//
// emulator → runtime   {id, action: "load_ruleset", context: {rulesetName, source: {files: [{name, content}]}}}
//                      {id, action: "verify", context: {rulesetName, service, path, method, delimiter?, variables}}
//                      {id, status: "ok" | "not_found" | "invalid_state", result?: {name, fields}, …}   (a document)
// runtime → emulator   {id: -1, status: "ok"}                                                         (started)
//                      {id, status: "ok", result: {rulesVersion}, errors, warnings}
//                      {id, status: "ok", result: {permit}, errors, warnings}
//                      {server_request_id: id, action: "fetch_firestore_document", context: {path}}    (needs a doc)
//
// firebase-tools (15.x) drops any response whose status is not "ok" and that has no `action`, leaving its
// request pending forever, so every answer of ours says "ok" and reports problems in `errors` (which makes
// the emulator deny the request).
import type { ExpressionValue } from "./expression-value.ts";

/** The id firebase-tools waits on before it sends anything. */
export const STARTED_ID = -1;

export interface SourceFile {
  name: string;
  content: string;
}

export interface LoadRulesetRequest {
  id: number;
  action: "load_ruleset";
  context: { rulesetName: string; source: { files: SourceFile[] } };
}

export interface VerifyRequest {
  id: number;
  action: "verify";
  context: {
    rulesetName: string;
    service: string;
    path: string;
    method: string;
    delimiter?: string;
    variables: Record<string, ExpressionValue>;
  };
}

/** The emulator's answer to a fetch_firestore_document request; its id is the request's server_request_id. */
export interface DocumentResponse {
  id: number;
  status: "ok" | "not_found" | "invalid_state" | string;
  result?: { name?: string; fields?: Record<string, unknown> };
  errors?: string[];
  warnings?: string[];
}

export interface RuntimeResponse {
  id: number;
  status: "ok";
  result?: { rulesVersion: number } | { permit: boolean };
  message?: string;
  pid?: number;
  errors: string[];
  warnings: string[];
}

export interface FetchDocumentRequest {
  server_request_id: number;
  action: "fetch_firestore_document";
  context: { path: string };
  errors: string[];
  warnings: string[];
}

export type RuntimeMessage = RuntimeResponse | FetchDocumentRequest;

/**
 * A compile diagnostic in the shape firebase-tools' rules manager parses (it JSON-parses each issue and logs
 * `${description_} in ${sourcePosition_.fileName_}:${sourcePosition_.line_}`): the field names of the Java
 * runtime's serialised Issue objects.
 */
export interface SerializedIssue {
  description_: string;
  sourcePosition_: { fileName_: string; line_: number; column_: number };
  type_: "ERROR" | "WARNING";
}
