/**
 * The pip path: `pip download` is used purely as a download tool, so the
 * user's pip configuration (index, mirrors, proxy, certificates, local
 * `find-links`) is honoured. Nothing is installed into any Python
 * environment, and Python is never needed at run time.
 *
 * @module
 */

/** A command that runs pip, e.g. `["pip"]` or `["python3", "-m", "pip"]`. */
export type PipCommand = string[];

/** Finds a working pip (`pip`, `pip3`, then `python3 -m pip`), or null. */
export async function findPip(): Promise<PipCommand | null> {
  for (const cmd of [["pip"], ["pip3"], ["python3", "-m", "pip"]]) {
    try {
      const { success } = await new Deno.Command(cmd[0], {
        args: [...cmd.slice(1), "--version"],
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).output();
      // A pyenv shim exists even when no Python is selected, so the exit code matters.
      if (success) return cmd;
    } catch {
      // not on PATH
    }
  }
  return null;
}

/** One wheel pip saved, with the SHA-256 pip's index published for it (when pip logged one). */
export interface PipDownload {
  /** Where pip saved it. */
  path: string;
  /** The wheel's file name. */
  filename: string;
  /** The `#sha256=` of the link pip chose, when its log showed one. */
  indexSha256?: string;
}

/**
 * Runs `pip download --no-deps --only-binary=:all:` for `requirements` into
 * `dir`. `--retries 0` so an unreachable index fails in seconds instead of
 * minutes; `-vv` so that pip logs the links it chose, whose `#sha256=`
 * fragment (the index's published hash) the caller re-checks.
 * Interesting lines are passed to `log` as they come.
 */
export async function pipDownload(
  pip: PipCommand,
  requirements: string[],
  dir: string,
  options: { indexUrl?: string; log?: (line: string) => void } = {},
): Promise<PipDownload[]> {
  const log = options.log ?? (() => {});
  const args = [
    ...pip.slice(1),
    "download",
    "--no-deps",
    "--retries",
    "0",
    "--only-binary=:all:",
    "--progress-bar",
    "off",
    "--disable-pip-version-check",
    "-vv",
    "-d",
    dir,
    ...(options.indexUrl ? ["--index-url", options.indexUrl] : []),
    ...requirements,
  ];
  const child = new Deno.Command(pip[0], {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { PIP_NO_INPUT: "1" },
  }).spawn();
  const hashes = new Map<string, string>();
  const tail: string[] = [];
  const consume = async (stream: ReadableStream<Uint8Array>) => {
    let pending = "";
    for await (const text of stream.pipeThrough(new TextDecoderStream())) {
      pending += text;
      const lines = pending.split(/\r?\n/);
      pending = lines.pop()!;
      for (const line of lines) onLine(line);
    }
    if (pending) onLine(pending);
  };
  const onLine = (line: string) => {
    for (const m of line.matchAll(/([^\s/#]+\.whl)#sha256=([0-9a-fA-F]{64})/g)) {
      hashes.set(decodeURIComponent(m[1]), m[2].toLowerCase());
    }
    const t = line.trim();
    if (/^(Collecting|Downloading|Processing|Saved|Successfully|ERROR|WARNING|File was)/.test(t)) {
      log(`pip: ${t}`);
    }
    if (t && !/^(Found link|Skipping link|Fetched page|Getting page|Looking up)/.test(t)) {
      tail.push(t);
      if (tail.length > 12) tail.shift();
    }
  };
  const [status] = await Promise.all([child.status, consume(child.stdout), consume(child.stderr)]);
  if (!status.success) {
    const errors = tail.filter((l) => /ERROR|error:/.test(l));
    throw new Error(
      `\`${pip.join(" ")} download\` failed (exit ${status.code}): ` +
        (errors.length ? errors : tail.slice(-3)).join(" | "),
    );
  }
  const out: PipDownload[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.isFile || !entry.name.endsWith(".whl")) continue;
    out.push({
      path: `${dir}/${entry.name}`,
      filename: entry.name,
      indexSha256: hashes.get(entry.name),
    });
  }
  return out;
}
