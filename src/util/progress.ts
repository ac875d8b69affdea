/**
 * Progress output for long work, on stderr: a redrawn bar with counts, rate
 * and time left on a terminal; plain periodic lines otherwise (logs, CI);
 * nothing at all when `quiet`.
 *
 * @example
 * ```ts
 * import { Progress } from "./progress.ts";
 * const p = new Progress("decoding", 228, { quiet: false });
 * for (let i = 0; i < 228; i++) p.tick();
 * p.done("228 images");
 * ```
 * @module
 */

/** Options for {@linkcode Progress}. */
export interface ProgressOptions {
  /** Print nothing. */
  quiet?: boolean;
  /** Force terminal (true) or plain-line (false) mode; default: whether stderr is a terminal. */
  tty?: boolean;
  /** Seconds between plain lines when not on a terminal (default 5). */
  intervalSeconds?: number;
  /** Where output goes (default: stderr). */
  write?: (text: string) => void;
}

const encoder = new TextEncoder();

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  return h > 0
    ? `${h}:${String(m).padStart(2, "0")}:${String(r).padStart(2, "0")}`
    : `${m}:${String(r).padStart(2, "0")}`;
}

/** A progress indicator for `total` units of work. */
export class Progress {
  readonly label: string;
  readonly total: number;
  #count = 0;
  #start = performance.now();
  #lastDraw = 0;
  #quiet: boolean;
  #tty: boolean;
  #interval: number;
  #write: (text: string) => void;

  constructor(label: string, total: number, opts: ProgressOptions = {}) {
    this.label = label;
    this.total = total;
    this.#quiet = opts.quiet ?? false;
    let isTty = false;
    try {
      isTty = Deno.stderr.isTerminal();
    } catch { /* no stderr */ }
    this.#tty = opts.tty ?? isTty;
    this.#interval = (opts.intervalSeconds ?? 5) * 1000;
    this.#write = opts.write ?? ((t) => {
      try {
        Deno.stderr.writeSync(encoder.encode(t));
      } catch { /* closed */ }
    });
  }

  /** Units done so far. */
  get count(): number {
    return this.#count;
  }

  /** Records `n` more units done; `extra` is shown after the counts (e.g. the current file). */
  tick(n = 1, extra?: string): void {
    this.#count += n;
    if (this.#quiet) return;
    const now = performance.now();
    const due = this.#tty ? now - this.#lastDraw >= 100 : now - this.#lastDraw >= this.#interval;
    if (!due && this.#count < this.total) return;
    if (!this.#tty && this.#count >= this.total) return; // done() prints the final line
    this.#lastDraw = now;
    this.#draw(now, extra);
  }

  #draw(now: number, extra?: string): void {
    const elapsed = (now - this.#start) / 1000;
    const rate = this.#count / Math.max(elapsed, 1e-9);
    const left = this.total > this.#count ? (this.total - this.#count) / rate : 0;
    const pct = this.total > 0 ? Math.floor((100 * this.#count) / this.total) : 100;
    const counts = `${this.#count}/${this.total} ${pct}%`;
    const tail = `${rate.toFixed(1)}/s, ${formatDuration(left)} left${extra ? ` ${extra}` : ""}`;
    if (this.#tty) {
      const width = 24;
      const filled = this.total > 0 ? Math.round((width * this.#count) / this.total) : width;
      const bar = "#".repeat(Math.min(width, filled)) + "-".repeat(Math.max(0, width - filled));
      this.#write(`\r\x1b[2K${this.label} [${bar}] ${counts} ${tail}`);
    } else {
      this.#write(`${this.label}: ${counts} (${tail})\n`);
    }
  }

  /** Finishes: clears the bar and prints one final line with `summary`. */
  done(summary?: string): void {
    if (this.#quiet) return;
    const elapsed = (performance.now() - this.#start) / 1000;
    const line = `${this.label}: ${this.#count}/${this.total} in ${formatDuration(elapsed)}${
      summary ? `, ${summary}` : ""
    }`;
    this.#write(this.#tty ? `\r\x1b[2K${line}\n` : `${line}\n`);
  }
}
