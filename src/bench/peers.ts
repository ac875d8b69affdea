/**
 * Running the Keras peer (`shared/peers/keras_dcgan.py`) in the same run as
 * the toolkit, when Python TensorFlow is installed, so that speed is
 * compared side by side rather than against numbers measured at another time.
 *
 * @module
 */

import { join } from "node:path";

/** A Python interpreter that can import tensorflow, or null. */
export async function findPeerPython(): Promise<string | null> {
  const candidates = [
    Deno.env.get("PEERS_PYTHON"),
    join(Deno.env.get("PEERS_VENV") ?? "/tmp/peers-venv", "bin/python"),
    "python3",
  ]
    .filter((c): c is string => Boolean(c));
  for (const python of candidates) {
    try {
      const out = await new Deno.Command(python, {
        args: ["-c", "import tensorflow, keras"],
        stdout: "null",
        stderr: "null",
      })
        .output();
      if (out.success) return python;
    } catch { /* not there */ }
  }
  return null;
}

/** Where the peers live beside the project (the bench may read them; the product never does). */
export function peersFolder(): string {
  return Deno.env.get("PEERS_DIR") ?? new URL("../../../shared/peers/", import.meta.url).pathname;
}

/** Runs the Keras peer once and returns its JSON line. */
export async function runKerasPeer(
  python: string,
  o: {
    preset: string;
    batch: number;
    threads: number;
    steps: number;
    warmup: number;
    variant: "fp32" | "bf16";
  },
): Promise<Record<string, unknown>> {
  const script = join(peersFolder(), "keras_dcgan.py");
  const out = await new Deno.Command(python, {
    args: [
      script,
      "--preset",
      o.preset,
      "--batch",
      String(o.batch),
      "--threads",
      String(o.threads),
      "--steps",
      String(o.steps),
      "--warmup",
      String(o.warmup),
      "--variant",
      o.variant,
    ],
    stdout: "piped",
    stderr: "piped",
    env: { TF_CPP_MIN_LOG_LEVEL: "2" },
  }).output();
  const line = new TextDecoder().decode(out.stdout).split("\n").filter((l) => l.startsWith("{")).at(
    -1,
  );
  if (!out.success || !line) {
    throw new Error(
      `Keras peer failed: ${new TextDecoder().decode(out.stderr).trim().split("\n").at(-1)}`,
    );
  }
  return { peer: "keras", ...JSON.parse(line) };
}
