/**
 * Artist names as people write them, matched to the names a dataset uses:
 * Unicode normalisation, accent folding, mojibake repair (folder names such
 * as `Albrecht_Du╠êrer`), and short-name resolution ("Da Vinci" ->
 * "Leonardo da Vinci") with near-match suggestions for unknown names.
 *
 * @example
 * ```ts
 * import { resolveArtists } from "./artists.ts";
 * resolveArtists(["Van Gogh"], ["Vincent van Gogh", "Claude Monet"]);
 * // Map { "Van Gogh" => "Vincent van Gogh" }
 * ```
 * @module
 */

import { UsageError } from "../util/errors.ts";

// Code page 437, bytes 0x80..0xFF: the encoding a zip tool used for the Kaggle folder names.
const CP437_HIGH =
  "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0";
const CP437_REVERSE = new Map<string, number>();
for (let i = 0; i < CP437_HIGH.length; i++) CP437_REVERSE.set(CP437_HIGH[i], 0x80 + i);

/** The number of characters in the CP437 table (must be 128; checked by a test). */
export const CP437_TABLE_SIZE: number = CP437_HIGH.length;

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

function reencode(s: string, map: (ch: string) => number | undefined): string | undefined {
  const bytes: number[] = [];
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (code < 0x80) bytes.push(code);
    else {
      const b = map(ch);
      if (b === undefined) return undefined;
      bytes.push(b);
    }
  }
  try {
    return strictUtf8.decode(new Uint8Array(bytes));
  } catch {
    return undefined;
  }
}

/**
 * Undoes UTF-8 text that was mis-decoded as CP437 or Latin-1, possibly twice
 * (`Du╠êrer`, `DuΓòá├¬rer`, `DÃ¼rer` all become `Dürer`); returns NFC.
 * Text that is not mojibake is returned unchanged (NFC).
 */
export function repairMojibake(s: string): string {
  let current = s;
  for (let round = 0; round < 3; round++) {
    if (![...current].some((ch) => ch.codePointAt(0)! > 0x7f)) break;
    const next = reencode(current, (ch) => CP437_REVERSE.get(ch)) ??
      reencode(current, (ch) => (ch.codePointAt(0)! < 256 ? ch.codePointAt(0) : undefined));
    if (next === undefined || next === current) break;
    current = next;
  }
  return current.normalize("NFC");
}

/** A comparison key: mojibake repaired, accents removed, lower case, words separated by single spaces. */
export function artistKey(name: string): string {
  return repairMojibake(name)
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

/** A display name from a folder or file prefix: mojibake repaired, underscores as spaces. */
export function displayName(folderName: string): string {
  return repairMojibake(folderName).replace(/_+/g, " ").trim();
}

function levenshtein(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}

function containsRun(hay: string[], needle: string[]): "suffix" | "inner" | undefined {
  for (let start = hay.length - needle.length; start >= 0; start--) {
    if (needle.every((t, k) => hay[start + k] === t)) {
      return start === hay.length - needle.length ? "suffix" : "inner";
    }
  }
  return undefined;
}

/** Candidates for `query` among `known`, best first (exact, then suffix, then inner word runs). */
export function matchArtist(query: string, known: string[]): string[] {
  const q = artistKey(query);
  if (!q) return [];
  const qt = q.split(" ");
  const exact = known.filter((k) => artistKey(k) === q);
  if (exact.length) return exact;
  const compact = q.replace(/ /g, "");
  const suffix: string[] = [], inner: string[] = [];
  for (const k of known) {
    const kk = artistKey(k);
    const kind = containsRun(kk.split(" "), qt) ??
      (kk.replace(/ /g, "").endsWith(compact) ? "suffix" : undefined);
    if (kind === "suffix") suffix.push(k);
    else if (kind === "inner") inner.push(k);
  }
  return suffix.length ? suffix : inner;
}

/** The few known names closest to `query` in spelling, for error messages. */
export function nearMatches(query: string, known: string[], count = 3): string[] {
  const q = artistKey(query);
  return known
    .map((k) => {
      const kk = artistKey(k);
      const last = kk.split(" ").slice(-q.split(" ").length).join(" ");
      return { k, d: Math.min(levenshtein(q, kk), levenshtein(q, last)) };
    })
    .sort((a, b) => a.d - b.d || a.k.localeCompare(b.k))
    .slice(0, count)
    .map((x) => x.k);
}

/**
 * Resolves each requested name to exactly one of `known`. Throws
 * {@linkcode UsageError} naming `where` with near matches when a name is
 * unknown or ambiguous — unless `lenient`, in which case unknown names are
 * left out (used for the built-in seed list).
 */
export function resolveArtists(
  requested: string[],
  known: string[],
  opts: { where?: string; lenient?: boolean } = {},
): Map<string, string> {
  const out = new Map<string, string>();
  const where = opts.where ? ` in ${opts.where}` : "";
  for (const name of requested) {
    const found = matchArtist(name, known);
    if (found.length === 1) out.set(name, found[0]);
    else if (found.length > 1) {
      throw new UsageError(
        `artist "${name}" is ambiguous${where}: it matches ${
          found.join(", ")
        } (write more of the name)`,
      );
    } else if (!opts.lenient) {
      const near = nearMatches(name, known);
      throw new UsageError(
        `unknown artist "${name}"${where}; near matches: ${
          near.join(", ") || "(none)"
        } (check --artists)`,
      );
    }
  }
  return out;
}
