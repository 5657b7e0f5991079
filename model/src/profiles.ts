// Public profiles (display name, avatar): profiles/{uid} is written by the platform and readable by its owner
// only; the functions copy its public part onto every conversation the user takes part in, where the other
// participant reads it with the conversation (no extra read per list row, and no rule that has to find a shared
// deal). docs/security.md, "Profiles", explains the choice.
import { Profile, type PublicProfile, type Side } from "./schemas.ts";

/** profiles/{uid} as the platform writes it. */
export function newProfile<T>(input: PublicProfile, now: T) {
  return { displayName: input.displayName, avatarUrl: input.avatarUrl, updatedAt: now };
}

/**
 * The public part of a stored profile document, or null when there is none or it does not match the model
 * (a malformed profile is shown as "no profile" rather than copied).
 */
export function publicProfileOf(data: unknown): PublicProfile | null {
  const parsed = Profile.safeParse(data);
  return parsed.success ? { displayName: parsed.data.displayName, avatarUrl: parsed.data.avatarUrl } : null;
}

/** The field path of one side's profile copy on the conversation document, for `update()` calls. */
export const profileCopyField = (side: Side) => `profiles.${side}` as const;

export const sameProfile = (a: PublicProfile | null | undefined, b: PublicProfile | null | undefined): boolean =>
  (a ?? null) === (b ?? null) || (!!a && !!b && a.displayName === b.displayName && a.avatarUrl === b.avatarUrl);
