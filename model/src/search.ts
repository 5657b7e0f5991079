// Search tokens for message history. Firestore has no full-text search, so the functions store every
// message's tokens in `searchTokens` and a search is one `array-contains` on a single token. The same
// normalization runs on the way in (functions, when a message is written) and on the way out (the SDK,
// when a user types a search), so both sides must use these functions.
import { limits } from "./schemas.ts";

/** Prefix tokens start at this length: shorter prefixes match too much to be useful. */
export const MIN_PREFIX_LENGTH = 3;
/** Longer words are cut here on both sides, so a pasted URL fragment cannot flood the token list. */
export const MAX_TOKEN_LENGTH = 32;

/** Words that carry no meaning on their own (English and the most common French/Spanish/German ones). */
export const stopWords: ReadonlySet<string> = new Set([
  // English
  "a",
  "an",
  "and",
  "are",
  "as",
  "at",
  "be",
  "but",
  "by",
  "for",
  "from",
  "has",
  "have",
  "he",
  "her",
  "his",
  "i",
  "if",
  "in",
  "into",
  "is",
  "it",
  "its",
  "me",
  "my",
  "no",
  "not",
  "of",
  "on",
  "or",
  "our",
  "she",
  "so",
  "that",
  "the",
  "their",
  "them",
  "then",
  "there",
  "these",
  "they",
  "this",
  "to",
  "us",
  "was",
  "we",
  "were",
  "what",
  "when",
  "which",
  "who",
  "will",
  "with",
  "you",
  "your",
  // French, Spanish, German (after diacritics folding)
  "le",
  "la",
  "les",
  "de",
  "des",
  "du",
  "un",
  "une",
  "et",
  "est",
  "el",
  "los",
  "las",
  "y",
  "en",
  "der",
  "die",
  "das",
  "und",
  "ist",
]);

/** Lower-cased, diacritics folded (NFKD, marks stripped), everything but letters and digits turned into spaces. */
export function normalizeSearchText(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

/** The meaningful words of a text, in order of appearance, each cut at MAX_TOKEN_LENGTH. */
export function searchWords(text: string): string[] {
  const normalized = normalizeSearchText(text);
  if (normalized === "") return [];
  return normalized
    .split(" ")
    .filter((word) => !stopWords.has(word))
    .map((word) => Array.from(word).slice(0, MAX_TOKEN_LENGTH).join(""));
}

/**
 * The tokens stored on a message: every distinct word, then prefixes of MIN_PREFIX_LENGTH characters and
 * up (shortest first across all words), at most `max` in all. Whole words come first so that when a very
 * long message hits the bound it loses prefix search on some words before it loses whole-word search.
 */
export function searchTokens(text: string | null | undefined, max: number = limits.searchTokensPerMessage): string[] {
  if (!text || max <= 0) return [];
  const words = [...new Set(searchWords(text))];
  const tokens = new Set<string>();
  for (const word of words) {
    if (tokens.size >= max) return [...tokens];
    tokens.add(word);
  }
  const longest = Math.max(0, ...words.map((w) => Array.from(w).length));
  for (let length = MIN_PREFIX_LENGTH; length < longest; length++) {
    for (const word of words) {
      const chars = Array.from(word);
      if (chars.length <= length) continue;
      if (tokens.size >= max) return [...tokens];
      tokens.add(chars.slice(0, length).join(""));
    }
  }
  return [...tokens];
}

/**
 * The ONE token a search query uses (`array-contains` takes a single value): the longest meaningful word the
 * user typed, as a whole word or, from MIN_PREFIX_LENGTH characters, as a prefix. Null when nothing is
 * searchable (empty input or only stop words). A word shorter than MIN_PREFIX_LENGTH only finds that whole
 * word, since no shorter prefixes are stored. The other words can be checked on the returned page with `matchesSearch`.
 */
export function searchQueryToken(input: string): string | null {
  let best: string | null = null;
  for (const word of searchWords(input)) {
    if (best === null || Array.from(word).length > Array.from(best).length) best = word;
  }
  return best;
}

/** Whether a message text contains every meaningful word of the input (as a word or a word's prefix). */
export function matchesSearch(text: string | null | undefined, input: string): boolean {
  const wanted = searchWords(input);
  if (wanted.length === 0) return true;
  const words = searchWords(text ?? "");
  return wanted.every((w) => words.some((word) => word === w || (Array.from(w).length >= MIN_PREFIX_LENGTH && word.startsWith(w))));
}
