// Normalizes what a user types into the search tokens the functions index (lower case, diacritics folded,
// punctuation removed). The functions index whole words and their prefixes from 3 characters, so a query word
// of 3+ characters matches as a word or as a prefix.
// TODO(issue 4): switch to the shared tokenizer in model/src/search.ts once it lands, so both sides agree.

export function searchTokensOf(text: string): string[] {
  const words = text
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0);
  return [...new Set(words)];
}
