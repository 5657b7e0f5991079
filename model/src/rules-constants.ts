// The constants block of firestore.rules and storage.rules, generated from the model: rules cannot import
// anything, so the model writes the functions that hold its limits, patterns, statuses and field lists, and
// `npm run rules:generate` puts them between the markers of each rules file. test/contract/ fails when a
// committed block differs from what this file generates, and checks the rules' verdicts against the model's.
import { fieldOwnership, blankClassRe2, writableStatuses } from "./contract.ts";
import { verificationMetadataKey, verifiedMarker } from "./attachments.ts";
import { notificationFieldOwnership, notificationLimits, pushPlatforms, pushTokenPattern, timeZonePattern } from "./notifications.ts";
import { attachmentContentTypes, codePointClass, fileNameForbiddenCodePoints, idAlphabet, idMaxLength, limits, videoContentTypes } from "./schemas.ts";

export const generatedBlockStart = "// ---- BEGIN GENERATED from model/ by `npm run rules:generate`: do not edit by hand ----";
export const generatedBlockEnd = "// ---- END GENERATED ----";

/** A rules string literal holding `value` (rules strings take the same backslash escapes as JavaScript). */
const rulesString = (value: string) => `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
const rulesList = (values: readonly string[]) => `[${values.map(rulesString).join(", ")}]`;
/** Rules durations from whole seconds: every interval in the model is one. */
function seconds(ms: number): string {
  if (ms % 1000 !== 0) throw new Error(`${ms} ms is not a whole number of seconds`);
  return `duration.value(${ms / 1000}, 's')`;
}
const escapeRe2 = (literal: string) => literal.replace(/[.+*?^$()[\]{}|\\]/g, (c) => (c === "." ? "[.]" : `\\${c}`));

/** RE2 patterns (whole-string, as `matches()` applies them) shared by both rules files. */
export const rulesPatterns = {
  id: `[${idAlphabet}]{1,${idMaxLength}}`,
  fileName: `${codePointClass(fileNameForbiddenCodePoints, "re2", true)}{1,${limits.fileNameMaxLength}}`,
  contentType: `(${attachmentContentTypes.map(escapeRe2).join("|")})`,
  videoContentType: `(${videoContentTypes.map(escapeRe2).join("|")})`,
  blank: `${blankClassRe2}*`,
};

const fn = (name: string, body: string, params = "") => `function ${name}(${params}) { return ${body}; }`;

/** `n` unrolled checks `(list.size() < i + 1 || check(list[i]))`: rules have no loops. */
const unrolled = (n: number, size: string, item: (i: number) => string) =>
  Array.from({ length: n }, (_, i) => `(${size} < ${i + 1} || ${item(i)})`).join("\n        && ");

export function firestoreRulesConstants(): string[] {
  return [
    fn("textMaxLength", String(limits.textMaxLength)),
    fn("attachmentsPerMessage", String(limits.attachmentsPerMessage)),
    fn("searchTokensPerMessage", String(limits.searchTokensPerMessage)),
    fn("presenceMaxConnections", String(limits.presenceMaxConnections)),
    fn("editWindow", seconds(limits.editWindowMs)),
    fn("editMinInterval", seconds(limits.editMinIntervalMs)),
    fn("typingMaxTtl", seconds(limits.typingMaxTtlMs)),
    fn("typingMinInterval", seconds(limits.typingMinIntervalMs)),
    fn("watermarkMinInterval", seconds(limits.watermarkMinIntervalMs)),
    fn("presenceMinInterval", seconds(limits.presenceMinIntervalMs)),
    fn("writableStatuses", rulesList(writableStatuses)),
    fn("idPattern", rulesString(rulesPatterns.id)),
    fn("blankPattern", rulesString(rulesPatterns.blank)),
    fn("messageFields", rulesList(fieldOwnership.message.client)),
    fn("typingFields", rulesList(fieldOwnership.typing.client)),
    fn("presenceFields", rulesList(fieldOwnership.presence.client)),
    fn(
      "validAttachments",
      unrolled(limits.attachmentsPerMessage, "list.size()", (i) => `validAttachment(list[${i}], folder)`),
      "list, folder",
    ),
    // Runs once per attachment, so its constants are inlined: Google's engine stops a request after 1,000
    // evaluated expressions, and a constant function call per check would cost ten attachments about 300 more.
    // Exactly the attachment's client fields (never the platform's `verification`); a file name as model FileName;
    // 1 byte .. limits.attachmentMaxBytes, or limits.videoMaxBytes for a video type; a content type of the
    // allow-list; storagePath exactly deals/{dealId}/attachments/{senderId}/{messageId}/{name}.
    fn(
      "validAttachment",
      [
        `a.keys().hasOnly(${rulesList(fieldOwnership.attachment.client)}) && a.size() == ${fieldOwnership.attachment.client.length}`,
        `a.name.matches(${rulesString(rulesPatterns.fileName)}) && !a.name.matches('[.]{1,2}')`,
        `a.size is int && a.size > 0 && (a.size <= ${limits.attachmentMaxBytes} || (a.size <= ${limits.videoMaxBytes} && a.contentType.matches(${rulesString(rulesPatterns.videoContentType)})))`,
        `a.contentType.matches(${rulesString(rulesPatterns.contentType)})`,
        "a.storagePath == folder + a.name",
      ].join("\n        && "),
      "a, folder",
    ),
    // Each entry looked up by its own key, so the id check and the entry check always refer to the same pair.
    fn(
      "validConnections",
      unrolled(limits.presenceMaxConnections, "ids.size()", (i) => `validConnection(ids[${i}], connections[ids[${i}]])`),
      "connections, ids",
    ),
    fn(
      "validConnection",
      [
        `id.matches(${rulesString(rulesPatterns.id)})`,
        `c.keys().hasOnly(${rulesList(fieldOwnership.presenceConnection.client)}) && c.size() == ${fieldOwnership.presenceConnection.client.length}`,
        "c.lastSeen is timestamp && c.expiresAt is timestamp",
        "c.lastSeen <= request.time && c.expiresAt > c.lastSeen",
        `c.expiresAt <= request.time + ${seconds(limits.presenceMaxTtlMs)}`,
      ].join("\n        && "),
      "id, c",
    ),
    ...notificationRulesConstants(),
  ];
}

/** The notification collections' constants (model/src/notifications.ts). */
function notificationRulesConstants(): string[] {
  const own = notificationFieldOwnership;
  return [
    fn("pushTokenPattern", rulesString(pushTokenPattern)),
    fn("pushPlatforms", rulesList(pushPlatforms)),
    fn("pushDeviceFields", rulesList(own.pushDevice.client)),
    fn("pushTokenMinInterval", seconds(notificationLimits.pushTokenMinIntervalMs)),
    fn("openConversationFields", rulesList(own.openConversation.client)),
    fn("openConversationMaxTtl", seconds(notificationLimits.openConversationMaxTtlMs)),
    fn("openConversationMinInterval", seconds(notificationLimits.openConversationMinIntervalMs)),
    fn("preferencesFields", rulesList(own.preferences.client)),
    fn("conversationPreferencesFields", rulesList(own.conversationPreferences.client)),
    fn("quietHoursFields", rulesList(own.quietHours.client)),
    fn("preferencesMinInterval", seconds(notificationLimits.preferencesMinIntervalMs)),
    fn("muteMax", seconds(notificationLimits.muteMaxMs)),
    fn("lastMinuteOfDay", String(notificationLimits.minutesPerDay - 1)),
    fn("timeZoneMaxLength", String(notificationLimits.timeZoneMaxLength)),
    fn("timeZonePattern", rulesString(timeZonePattern)),
  ];
}

export function storageRulesConstants(): string[] {
  return [
    fn("attachmentMaxBytes", String(limits.attachmentMaxBytes)),
    fn("videoMaxBytes", String(limits.videoMaxBytes)),
    fn("writableStatuses", rulesList(writableStatuses)),
    fn("idPattern", rulesString(rulesPatterns.id)),
    fn("fileNamePattern", rulesString(rulesPatterns.fileName)),
    fn("contentTypePattern", rulesString(rulesPatterns.contentType)),
    fn("videoContentTypePattern", rulesString(rulesPatterns.videoContentType)),
    fn("verificationKey", rulesString(verificationMetadataKey)),
    fn("verifiedMarker", rulesString(verifiedMarker)),
  ];
}

/** `source` with the text between its generated-block markers replaced by `lines`, indented like the start marker. */
export function withGeneratedBlock(source: string, lines: readonly string[]): string {
  const start = source.indexOf(generatedBlockStart);
  const end = source.indexOf(generatedBlockEnd);
  if (start < 0 || end < start) throw new Error("the rules file has no generated-block markers");
  const indent = source.slice(source.lastIndexOf("\n", start) + 1, start);
  const body = lines
    .flatMap((line) => line.split("\n"))
    .map((line) => `${indent}${line}`)
    .join("\n");
  return `${source.slice(0, start)}${generatedBlockStart}\n${body}\n${indent}${source.slice(end)}`;
}
