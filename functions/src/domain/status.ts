// System messages the platform posts when a deal changes status.
import type { DealStatus } from "@dealchat/model";
export { systemMessage } from "@dealchat/model";

const statusTexts: Record<DealStatus, string> = {
  open: "Deal reopened",
  active: "Deal is now active",
  completed: "Deal completed",
  cancelled: "Deal cancelled",
};

export function statusChangeText(status: DealStatus): string {
  return statusTexts[status];
}
