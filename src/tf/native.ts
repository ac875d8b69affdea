/**
 * Ownership of native TensorFlow objects. Each wrapper frees its handle
 * exactly once: explicitly through `dispose()` or `using`, with a
 * FinalizationRegistry as a backstop for handles a caller forgot.
 *
 * @module
 */

import type { Pointer } from "../../ffi/c.ts";

type Freer = (pointer: NonNullable<Pointer>) => void;
interface Held {
  pointer: NonNullable<Pointer>;
  free: Freer;
}

const registry = new FinalizationRegistry<Held>((held) => {
  try {
    held.free(held.pointer);
  } catch {
    // A finaliser must never throw; the process is usually exiting here.
  }
});

/** Counts of live native handles by kind, for leak tests and `info`. */
export const liveHandles: Record<string, number> = {};

/** Base class for a wrapper that owns exactly one native handle. */
export abstract class NativeHandle implements Disposable {
  #pointer: Pointer;
  #free: Freer;
  #kind: string;

  /** Takes ownership of `pointer`, which `free` releases. */
  protected constructor(kind: string, pointer: NonNullable<Pointer>, free: Freer) {
    this.#pointer = pointer;
    this.#free = free;
    this.#kind = kind;
    liveHandles[kind] = (liveHandles[kind] ?? 0) + 1;
    registry.register(this, { pointer, free }, this);
  }

  /** The native pointer; throws once disposed, so a use-after-free is a JS error, not a crash. */
  get pointer(): NonNullable<Pointer> {
    if (this.#pointer === null) throw new Error(`${this.#kind} used after dispose()`);
    return this.#pointer;
  }

  /** Whether `dispose()` has run. */
  get disposed(): boolean {
    return this.#pointer === null;
  }

  /** Frees the native object; later calls do nothing. */
  dispose(): void {
    const pointer = this.#pointer;
    if (pointer === null) return;
    this.#pointer = null;
    registry.unregister(this);
    liveHandles[this.#kind] -= 1;
    this.#free(pointer);
  }

  /** `using` support. */
  [Symbol.dispose](): void {
    this.dispose();
  }
}
