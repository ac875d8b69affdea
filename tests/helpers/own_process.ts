/**
 * Memory tests read the resident size of the process, and `deno test
 * --parallel` runs every test file in one process: another file's work would
 * blur the reading. A file that calls {@linkcode inOwnProcess} runs itself
 * again in a child `deno test` and its tests register only there.
 *
 * @module
 */

const MARK = "PORTRAIT_GAN_TEST_CHILD";

/**
 * Returns true in the child process, where the caller registers its real
 * tests; in the parent it registers one test that runs the child and fails
 * with the child's output when any child test fails.
 */
export function inOwnProcess(moduleUrl: string, what: string): boolean {
  const path = new URL(moduleUrl).pathname;
  if (Deno.env.get(MARK) === path) return true;
  Deno.test(`${what} (in a process of its own)`, async () => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["test", "-A", path],
      env: { [MARK]: path, NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    if (out.code !== 0) throw new Error(`child tests failed:\n${text}`);
    const summary = text.split("\n").find((l) => /^ok \| \d+ passed/.test(l));
    if (!summary || /\| 0 passed/.test(summary)) throw new Error(`child ran no test:\n${text}`);
    console.log(text.split("\n").filter((l) => / \.\.\. ok|MiB/.test(l)).join("\n"));
  });
  return false;
}
