/**
 * Web Worker entry: decoding and PNG work off the main thread. Each worker has
 * its own imagescript WebAssembly instance; when that instance traps ("memory
 * access out of bounds") the worker reports `fatal` and the pool replaces it,
 * so one bad file never poisons the decodes after it.
 *
 * Messages are {@linkcode WorkerRequest} in, {@linkcode WorkerReply} out.
 * @module
 */

/// <reference lib="deno.worker" />

import { decodeImage, encodePng, isFatalWasmError } from "./decode.ts";
import { smartResize } from "./resize.ts";
import type { WorkerReply, WorkerRequest } from "./pool.ts";

self.onmessage = async (event: MessageEvent<WorkerRequest>) => {
  const req = event.data;
  try {
    if (req.op === "prepare") {
      const decoded = await decodeImage(req.bytes, { maxPixels: req.maxPixels });
      const resized = smartResize(decoded.image, req.size, req.size);
      const png = await encodePng(resized);
      const reply: WorkerReply = {
        jobId: req.jobId,
        ok: true,
        width: decoded.image.width,
        height: decoded.image.height,
        format: decoded.format,
        decoder: decoded.decoder,
        orientation: decoded.orientation,
        crop: resized.crop,
        png,
        rgb: resized.data,
      };
      self.postMessage(reply, [png.buffer as ArrayBuffer, resized.data.buffer as ArrayBuffer]);
    } else if (req.op === "decode") {
      const decoded = await decodeImage(req.bytes, { maxPixels: req.maxPixels });
      const rgb = decoded.image.data;
      self.postMessage(
        {
          jobId: req.jobId,
          ok: true,
          width: decoded.image.width,
          height: decoded.image.height,
          rgb,
        } satisfies WorkerReply,
        [rgb.buffer as ArrayBuffer],
      );
    } else if (req.op === "encode") {
      const png = await encodePng({ width: req.width, height: req.height, data: req.rgb });
      self.postMessage({ jobId: req.jobId, ok: true, png } satisfies WorkerReply, [
        png.buffer as ArrayBuffer,
      ]);
    } else if (req.op === "crash") {
      // Test hook: an uncaught error, as a native decoder crash would look.
      setTimeout(() => {
        throw new Error("simulated worker crash");
      }, 0);
    } else if (req.op === "trap") {
      // Test hook: what imagescript's WebAssembly does on some bad files.
      throw new WebAssembly.RuntimeError("memory access out of bounds");
    }
  } catch (error) {
    const fatal = isFatalWasmError(error);
    const message = (error as Error)?.message ?? String(error);
    self.postMessage(
      {
        jobId: req.jobId,
        ok: false,
        fatal,
        reason: fatal ? `decoder crashed (${message})` : message,
      } satisfies WorkerReply,
    );
  }
};
