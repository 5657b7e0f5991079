// The adversarial matrix for firestore.rules. One file, so that the coverage check runs after every case.
import { describeRulesCoverage } from "./coverage.ts";
import { describeDealRules } from "./deals-conversations.ts";
import { describeMessageRules } from "./messages.ts";
import { describeNotificationRules } from "./notifications.ts";
import { describeResponseStatsRules } from "./response-stats.ts";
import { describeTypingAndPresenceRules } from "./typing-presence.ts";

describeDealRules();
describeMessageRules();
describeTypingAndPresenceRules();
describeResponseStatsRules();
describeNotificationRules();
describeRulesCoverage();
