/**
 * Sessions: run a graph with feeds, fetches and targets.
 *
 * @example
 * ```ts
 * import { Graph } from "./graph.ts";
 * import { Session } from "./session.ts";
 * using g = new Graph();
 * // ... build ops ...
 * using s = new Session(g, { intraOpThreads: 2, interOpThreads: 1 });
 * ```
 * @module
 */

import { packOutputs, packPointers, pointerAt, readCString, toNumber } from "../../ffi/c.ts";
import { tf } from "../../ffi/library.ts";
import { encodeConfigProto, type SessionConfig } from "./config_proto.ts";
import type { Graph, Operation, Output } from "./graph.ts";
import { NativeHandle } from "./native.ts";
import { Status, withStatus } from "./status.ts";
import { Tensor } from "./tensor.ts";

/** A device a session can use. */
export interface DeviceInfo {
  /** Full name, e.g. "/job:localhost/replica:0/task:0/device:CPU:0". */
  name: string;
  /** "CPU" or "GPU". */
  type: string;
  /** Memory limit in bytes as TensorFlow reports it. */
  memoryBytes: number;
}

/** What one `run` call feeds, fetches and runs. */
export interface RunRequest {
  /** Values for placeholders (or any output to override). */
  feeds?: ReadonlyArray<readonly [Output, Tensor]>;
  /** Outputs whose values come back, in order. */
  fetches?: ReadonlyArray<Output>;
  /** Operations to run for their effects (e.g. an optimizer's update). */
  targets?: ReadonlyArray<Operation>;
}

/** The packed C arrays of one run; kept referenced until the run finishes. */
interface PreparedRun {
  inputs: Uint8Array<ArrayBuffer>;
  inputValues: BigUint64Array<ArrayBuffer>;
  nFeeds: number;
  outputs: Uint8Array<ArrayBuffer>;
  outputValues: BigUint64Array<ArrayBuffer>;
  nFetches: number;
  targets: BigUint64Array<ArrayBuffer>;
  nTargets: number;
  keep: unknown[];
}

/** A `TF_Session` over one graph. */
export class Session extends NativeHandle {
  /** The graph this session runs. */
  readonly graph: Graph;
  /** The configuration it was made with. */
  readonly config: SessionConfig;
  #running = 0;

  /** Creates a session over `graph`; throws {@linkcode TensorFlowError} if `config` is rejected. */
  constructor(graph: Graph, config: SessionConfig = {}) {
    const lib = tf();
    const options = lib.TF_NewSessionOptions();
    using status = new Status();
    let session: Deno.PointerValue = null;
    try {
      const proto = encodeConfigProto(config);
      if (proto.length) {
        lib.TF_SetConfig(options, proto, BigInt(proto.length), status.pointer);
        status.check("session config");
      }
      session = lib.TF_NewSession(graph.pointer, options, status.pointer);
      status.check("creating a session");
    } finally {
      lib.TF_DeleteSessionOptions(options);
    }
    super("Session", session!, (p) => {
      using s = new Status();
      tf().TF_CloseSession(p, s.pointer);
      tf().TF_DeleteSession(p, s.pointer);
    });
    this.graph = graph;
    this.config = config;
  }

  /** Runs synchronously and returns the fetched tensors, which the caller owns. */
  run(request: RunRequest): Tensor[] {
    const call = this.#prepare(request);
    using status = new Status();
    tf().TF_SessionRun(...this.#arguments(call, status));
    return this.#finish(call, status);
  }

  /**
   * Runs on a background thread and resolves with the fetched tensors. The
   * event loop stays alive meanwhile (signals, progress output). Feeds must
   * not be disposed before the promise settles.
   */
  async runAsync(request: RunRequest): Promise<Tensor[]> {
    const call = this.#prepare(request);
    const status = new Status();
    this.#running += 1;
    try {
      // `call` keeps every buffer referenced until the thread is done.
      await tf().TF_SessionRunAsync(...this.#arguments(call, status));
      return this.#finish(call, status);
    } finally {
      this.#running -= 1;
      status.dispose();
    }
  }

  #arguments(call: PreparedRun, status: Status) {
    return [
      this.pointer,
      null,
      call.inputs,
      call.inputValues,
      call.nFeeds,
      call.outputs,
      call.outputValues,
      call.nFetches,
      call.targets,
      call.nTargets,
      null,
      status.pointer,
    ] as const;
  }

  #prepare(request: RunRequest): PreparedRun {
    const feeds = request.feeds ?? [];
    const fetches = request.fetches ?? [];
    const targets = request.targets ?? [];
    return {
      inputs: packOutputs(feeds.map(([o]) => [o.op.pointer, o.index])),
      inputValues: packPointers(feeds.map(([, t]) => t.pointer)),
      nFeeds: feeds.length,
      outputs: packOutputs(fetches.map((o) => [o.op.pointer, o.index])),
      outputValues: new BigUint64Array(Math.max(1, fetches.length)),
      nFetches: fetches.length,
      targets: packPointers(targets.map((op) => op.pointer)),
      nTargets: targets.length,
      keep: [feeds, fetches, targets],
    };
  }

  #finish(call: PreparedRun, status: Status): Tensor[] {
    if (status.code !== 0) {
      for (let i = 0; i < call.nFetches; i++) {
        const p = pointerAt(call.outputValues, i);
        if (p !== null) tf().TF_DeleteTensor(p);
      }
      status.check("session run");
    }
    const out: Tensor[] = [];
    for (let i = 0; i < call.nFetches; i++) out.push(new Tensor(pointerAt(call.outputValues, i)!));
    return out;
  }

  /** The devices this session can place ops on. */
  devices(): DeviceInfo[] {
    const lib = tf();
    const list = withStatus("listing devices", (s) => lib.TF_SessionListDevices(this.pointer, s));
    try {
      const count = lib.TF_DeviceListCount(list);
      const result: DeviceInfo[] = [];
      for (let i = 0; i < count; i++) {
        result.push(withStatus("reading a device", (s) => ({
          name: readCString(lib.TF_DeviceListName(list, i, s)),
          type: readCString(lib.TF_DeviceListType(list, i, s)),
          memoryBytes: toNumber(lib.TF_DeviceListMemoryBytes(list, i, s)),
        })));
      }
      return result;
    } finally {
      lib.TF_DeleteDeviceList(list);
    }
  }

  /** Frees the session; refuses while an async run is still using it. */
  override dispose(): void {
    if (this.#running > 0) {
      throw new Error("Session.dispose() while a runAsync() call is in flight");
    }
    super.dispose();
  }
}
