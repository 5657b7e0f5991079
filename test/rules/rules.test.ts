// The adversarial matrix for firestore.rules, in one file so that the coverage check runs after every case.
import { describeMessageRules } from "./messages.ts";

describeMessageRules();
