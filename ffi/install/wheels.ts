/**
 * Pure helpers about Python wheels and package indexes: wheel file names
 * (PEP 427), platform tags, a small subset of PEP 440 version specifiers,
 * `Requires-Dist` lines from a wheel's METADATA, and the two forms of the
 * "simple" index (PEP 503 HTML and PEP 691 JSON).
 *
 * Nothing here touches the network or the disk, so all of it is unit-tested
 * with plain strings.
 *
 * @module
 */

/** One file listed on a simple-index project page. */
export interface IndexFile {
  /** The file name, e.g. `tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl`. */
  filename: string;
  /** Absolute URL of the file (fragment removed). */
  url: string;
  /** The SHA-256 the index publishes for the file (lower-case hex), if any. */
  sha256?: string;
  /** Whether the index marks the file as yanked (PEP 592). */
  yanked: boolean;
}

/** The parts of a wheel file name (PEP 427). */
export interface WheelName {
  /** Distribution name, normalised (PEP 503: lower case, runs of `-_.` become `-`). */
  name: string;
  /** Version string as written in the file name. */
  version: string;
  /** Python tags, e.g. `["cp311"]` or `["py2", "py3"]`. */
  pythonTags: string[];
  /** ABI tags, e.g. `["cp311"]`, `["none"]`, `["abi3"]`. */
  abiTags: string[];
  /** Platform tags, e.g. `["manylinux_2_17_x86_64", "manylinux2014_x86_64"]`. */
  platformTags: string[];
}

/** PEP 503 name normalisation: `Tensorflow_CPU` and `tensorflow-cpu` are the same project. */
export function normalizeProjectName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

/** Parses a wheel file name, or returns null when it is not one. */
export function parseWheelName(filename: string): WheelName | null {
  if (!filename.endsWith(".whl")) return null;
  const parts = filename.slice(0, -4).split("-");
  // name-version(-build)?-python-abi-platform
  if (parts.length !== 5 && parts.length !== 6) return null;
  const [name, version] = parts;
  const [python, abi, platform] = parts.slice(-3);
  return {
    name: normalizeProjectName(name),
    version,
    pythonTags: python.split("."),
    abiTags: abi.split("."),
    platformTags: platform.split("."),
  };
}

/** The wheel-tag spelling of a CPU architecture (`x86_64`, `aarch64`), or null if unsupported. */
export function wheelArch(arch: string = Deno.build.arch): string | null {
  // Deno already uses the same spelling as the manylinux tags.
  return arch === "x86_64" || arch === "aarch64" ? arch : null;
}

/**
 * The glibc version a manylinux platform tag asks for, as `[major, minor]`,
 * or null when the tag is not a manylinux tag for `arch`.
 * The legacy aliases map to their PEP 600 meaning.
 */
export function manylinuxGlibc(tag: string, arch: string): [number, number] | null {
  const legacy: Record<string, [number, number]> = {
    manylinux1: [2, 5],
    manylinux2010: [2, 12],
    manylinux2014: [2, 17],
  };
  if (!tag.endsWith(`_${arch}`)) return null;
  const head = tag.slice(0, -(arch.length + 1));
  if (head in legacy) return legacy[head];
  const m = /^manylinux_(\d+)_(\d+)$/.exec(head);
  return m ? [Number(m[1]), Number(m[2])] : null;
}

/**
 * Ranks how well a wheel fits this machine; higher is better, null means
 * "cannot use". Only the shared libraries inside the wheel are used, never
 * Python, so any CPython tag is acceptable: the newest Python tag wins (it is
 * the most recently built), then the lowest glibc requirement (it runs on the
 * most systems).
 */
export function wheelRank(wheel: WheelName, arch: string): number | null {
  let glibc: [number, number] | null = null;
  for (const tag of wheel.platformTags) {
    const g = manylinuxGlibc(tag, arch);
    if (g && (!glibc || g[0] * 1000 + g[1] < glibc[0] * 1000 + glibc[1])) glibc = g;
  }
  if (!glibc) return null;
  let python = -1;
  for (const tag of wheel.pythonTags) {
    const cp = /^cp3(\d+)$/.exec(tag);
    if (cp) python = Math.max(python, 100 + Number(cp[1]));
    else if (tag === "py3") python = Math.max(python, 0);
  }
  if (python < 0) return null;
  return python * 100_000 - (glibc[0] * 1000 + glibc[1]);
}

/** A parsed release version: numeric release segments plus an optional `.postN`. */
export interface ParsedVersion {
  /** Release segments, e.g. `[2, 21, 0]`. */
  release: number[];
  /** The post-release number, -1 when there is none. */
  post: number;
}

/**
 * Parses a final or post release (`12.5.3.2`, `2.21.0.post1`); returns null for
 * pre-releases and dev releases, which are never chosen.
 */
export function parseVersion(text: string): ParsedVersion | null {
  const m = /^v?(\d+(?:\.\d+)*)(?:[.-]?post(\d+))?$/i.exec(text.trim());
  if (!m) return null;
  return { release: m[1].split(".").map(Number), post: m[2] ? Number(m[2]) : -1 };
}

/** Compares two versions (PEP 440 order for final and post releases). */
export function compareVersions(a: string, b: string): number {
  const va = parseVersion(a), vb = parseVersion(b);
  if (!va || !vb) throw new Error(`cannot compare versions ${a} and ${b}`);
  const n = Math.max(va.release.length, vb.release.length);
  for (let i = 0; i < n; i++) {
    const d = (va.release[i] ?? 0) - (vb.release[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return Math.sign(va.post - vb.post);
}

/**
 * Whether `version` satisfies a comma-separated specifier set such as
 * `<13.0,>=12.5.3.2` or `==2.21.0` (operators `== != < <= > >= ~=`; `==X.*`
 * prefix matches). An empty set matches every final release.
 */
export function satisfies(version: string, specifiers: string): boolean {
  if (!parseVersion(version)) return false;
  for (const raw of specifiers.split(",").map((s) => s.trim()).filter(Boolean)) {
    const m = /^(~=|==|!=|<=|>=|<|>)\s*(.+)$/.exec(raw);
    if (!m) return false;
    const [, op, target] = m;
    if ((op === "==" || op === "!=") && target.endsWith(".*")) {
      const prefix = target.slice(0, -2).split(".").map(Number);
      const release = parseVersion(version)!.release;
      const same = prefix.every((p, i) => (release[i] ?? 0) === p);
      if (same !== (op === "==")) return false;
      continue;
    }
    if (!parseVersion(target)) return false;
    const c = compareVersions(version, target);
    const ok = op === "=="
      ? c === 0
      : op === "!="
      ? c !== 0
      : op === "<"
      ? c < 0
      : op === "<="
      ? c <= 0
      : op === ">"
      ? c > 0
      : op === ">="
      ? c >= 0
      : /* ~= */ c >= 0 && compatiblePrefix(version, target);
    if (!ok) return false;
  }
  return true;
}

/** `~=2.21.1` means `>=2.21.1, ==2.21.*`: all but the last release segment must match. */
function compatiblePrefix(version: string, target: string): boolean {
  const t = parseVersion(target)!.release;
  const v = parseVersion(version)!.release;
  return t.slice(0, -1).every((p, i) => (v[i] ?? 0) === p);
}

/** A dependency from a wheel's METADATA. */
export interface Requirement {
  /** Normalised project name, e.g. `nvidia-cublas-cu12`. */
  name: string;
  /** The specifier set, e.g. `<13.0,>=12.5.3.2` (may be empty). */
  specifiers: string;
}

/**
 * The requirements of `METADATA` that apply under `extra` (e.g. `and-cuda`,
 * the extra that lists the CUDA runtime wheels of the `tensorflow` wheel).
 * Understands both `name<1,>=0.5; extra == "x"` and the older
 * `name (<1,>=0.5) ; extra == 'x'` spellings.
 */
export function requirementsForExtra(metadata: string, extra: string): Requirement[] {
  const out: Requirement[] = [];
  for (const line of metadata.split(/\r?\n/)) {
    if (line === "") break; // headers end at the first blank line; the description follows
    const m = /^Requires-Dist:\s*(.+)$/i.exec(line);
    if (!m) continue;
    const [req, marker = ""] = m[1].split(";", 2);
    const extraRe = new RegExp(`extra\\s*==\\s*["']${extra.replace(/[-_.]/g, "[-_.]")}["']`);
    if (!extraRe.test(marker)) continue;
    const r = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*\(?([^)]*)\)?\s*$/.exec(req);
    if (!r) continue;
    out.push({ name: normalizeProjectName(r[1]), specifiers: r[2].replace(/\s+/g, "") });
  }
  return out;
}

/** Decodes the few HTML entities that appear in index hrefs and names. */
function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_all, e: string) => {
    const lower = e.toLowerCase();
    if (lower.startsWith("#x")) return String.fromCodePoint(parseInt(lower.slice(2), 16));
    if (lower.startsWith("#")) return String.fromCodePoint(parseInt(lower.slice(1), 10));
    return { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" }[lower]!;
  });
}

/** Splits `url#sha256=...` into the bare URL and the hash. */
function splitHashFragment(url: URL): { url: string; sha256?: string } {
  const m = /(?:^#|&)sha256=([0-9a-fA-F]{64})(?:&|$)/.exec(url.hash);
  const bare = new URL(url.href);
  bare.hash = "";
  return { url: bare.href, sha256: m?.[1].toLowerCase() };
}

/**
 * Parses a PEP 503 project page: every `<a href>` becomes a file, with the
 * link resolved against `pageUrl` and the `#sha256=` fragment taken as the
 * published hash.
 */
export function parseSimpleHtml(html: string, pageUrl: string): IndexFile[] {
  const files: IndexFile[] = [];
  for (const m of html.matchAll(/<a\s([^>]*)>([\s\S]*?)<\/a\s*>/gi)) {
    const attrs = m[1];
    const href = /\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/i.exec(attrs);
    if (!href) continue;
    const link = new URL(decodeEntities(href[1] ?? href[2] ?? href[3]), pageUrl);
    const { url, sha256 } = splitHashFragment(link);
    const text = decodeEntities(m[2].replace(/<[^>]*>/g, "")).trim();
    const filename = text || decodeURIComponent(new URL(url).pathname.split("/").pop() ?? "");
    files.push({ filename, url, sha256, yanked: /\bdata-yanked\b/i.test(attrs) });
  }
  return files;
}

/** Parses a PEP 691 JSON project page. */
export function parseSimpleJson(json: unknown, pageUrl: string): IndexFile[] {
  const files = (json as { files?: unknown })?.files;
  if (!Array.isArray(files)) throw new Error("index JSON has no `files` list");
  return files.map((f: any) => {
    const { url } = splitHashFragment(new URL(String(f.url), pageUrl));
    const sha = typeof f.hashes?.sha256 === "string" ? f.hashes.sha256.toLowerCase() : undefined;
    return { filename: String(f.filename), url, sha256: sha, yanked: !!f.yanked };
  });
}

/**
 * Picks the best wheel of `project` whose version satisfies `specifiers` for
 * this machine: newest matching version, then {@linkcode wheelRank}; yanked
 * files only when nothing else matches (PEP 592).
 */
export function chooseWheel(
  files: IndexFile[],
  project: string,
  specifiers: string,
  arch: string,
): IndexFile | null {
  const want = normalizeProjectName(project);
  let best: { file: IndexFile; wheel: WheelName; rank: number } | null = null;
  for (const file of files) {
    const wheel = parseWheelName(file.filename);
    if (!wheel || wheel.name !== want || !satisfies(wheel.version, specifiers)) continue;
    const rank = wheelRank(wheel, arch);
    if (rank === null) continue;
    if (
      !best ||
      Number(best.file.yanked) - Number(file.yanked) > 0 ||
      (best.file.yanked === file.yanked &&
        (compareVersions(wheel.version, best.wheel.version) > 0 ||
          (compareVersions(wheel.version, best.wheel.version) === 0 && rank > best.rank)))
    ) {
      best = { file, wheel, rank };
    }
  }
  return best?.file ?? null;
}
