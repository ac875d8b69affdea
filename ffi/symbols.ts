/**
 * The symbol table for TensorFlow's C API: one table for both
 * `libtensorflow_cc.so.2` (graph, session, gradients) and
 * `libtensorflow_framework.so.2` (tensors, statuses, buffers), whose symbols
 * a single `Deno.dlopen` of the first library resolves. Only the functions the
 * toolkit calls are declared.
 *
 * @module
 */

/** `TF_Output` passed by value: `{ TF_Operation* oper; int index; }`, 16 bytes with padding. */
export const TF_OUTPUT = { struct: ["pointer", "i32"] } as const;

/** Every C function the toolkit uses, in `Deno.dlopen` form. */
export const symbols = {
  TF_Version: { parameters: [], result: "pointer" },

  // Status
  TF_NewStatus: { parameters: [], result: "pointer" },
  TF_DeleteStatus: { parameters: ["pointer"], result: "void" },
  TF_GetCode: { parameters: ["pointer"], result: "i32" },
  TF_Message: { parameters: ["pointer"], result: "pointer" },

  // Buffers
  TF_NewBuffer: { parameters: [], result: "pointer" },
  TF_DeleteBuffer: { parameters: ["pointer"], result: "void" },

  // Tensors
  TF_AllocateTensor: { parameters: ["i32", "buffer", "i32", "usize"], result: "pointer" },
  TF_DeleteTensor: { parameters: ["pointer"], result: "void" },
  TF_TensorType: { parameters: ["pointer"], result: "i32" },
  TF_NumDims: { parameters: ["pointer"], result: "i32" },
  TF_Dim: { parameters: ["pointer", "i32"], result: "i64" },
  TF_TensorByteSize: { parameters: ["pointer"], result: "usize" },
  TF_TensorData: { parameters: ["pointer"], result: "pointer" },
  TF_StringInit: { parameters: ["pointer"], result: "void" },
  TF_StringCopy: { parameters: ["pointer", "buffer", "usize"], result: "void" },
  TF_StringGetDataPointer: { parameters: ["pointer"], result: "pointer" },
  TF_StringGetSize: { parameters: ["pointer"], result: "usize" },

  // Graphs and operations
  TF_NewGraph: { parameters: [], result: "pointer" },
  TF_DeleteGraph: { parameters: ["pointer"], result: "void" },
  TF_GraphOperationByName: { parameters: ["pointer", "buffer"], result: "pointer" },
  TF_GraphGetTensorNumDims: { parameters: ["pointer", TF_OUTPUT, "pointer"], result: "i32" },
  TF_GraphGetTensorShape: {
    parameters: ["pointer", TF_OUTPUT, "buffer", "i32", "pointer"],
    result: "void",
  },
  TF_NewOperation: { parameters: ["pointer", "buffer", "buffer"], result: "pointer" },
  TF_SetDevice: { parameters: ["pointer", "buffer"], result: "void" },
  TF_AddInput: { parameters: ["pointer", TF_OUTPUT], result: "void" },
  TF_AddInputList: { parameters: ["pointer", "buffer", "i32"], result: "void" },
  TF_AddControlInput: { parameters: ["pointer", "pointer"], result: "void" },
  TF_SetAttrString: { parameters: ["pointer", "buffer", "buffer", "usize"], result: "void" },
  TF_SetAttrInt: { parameters: ["pointer", "buffer", "i64"], result: "void" },
  TF_SetAttrIntList: { parameters: ["pointer", "buffer", "buffer", "i32"], result: "void" },
  TF_SetAttrFloat: { parameters: ["pointer", "buffer", "f32"], result: "void" },
  TF_SetAttrFloatList: { parameters: ["pointer", "buffer", "buffer", "i32"], result: "void" },
  TF_SetAttrBool: { parameters: ["pointer", "buffer", "u8"], result: "void" },
  TF_SetAttrType: { parameters: ["pointer", "buffer", "i32"], result: "void" },
  TF_SetAttrTypeList: { parameters: ["pointer", "buffer", "buffer", "i32"], result: "void" },
  TF_SetAttrShape: { parameters: ["pointer", "buffer", "buffer", "i32"], result: "void" },
  TF_SetAttrTensor: { parameters: ["pointer", "buffer", "pointer", "pointer"], result: "void" },
  TF_FinishOperation: { parameters: ["pointer", "pointer"], result: "pointer" },
  TF_OperationName: { parameters: ["pointer"], result: "pointer" },
  TF_OperationOpType: { parameters: ["pointer"], result: "pointer" },
  TF_OperationDevice: { parameters: ["pointer"], result: "pointer" },
  TF_OperationNumOutputs: { parameters: ["pointer"], result: "i32" },
  TF_OperationOutputType: { parameters: [TF_OUTPUT], result: "i32" },

  // Gradients
  TF_AddGradientsWithPrefix: {
    parameters: [
      "pointer",
      "buffer",
      "buffer",
      "i32",
      "buffer",
      "i32",
      "buffer",
      "pointer",
      "buffer",
    ],
    result: "void",
  },

  // Sessions
  TF_NewSessionOptions: { parameters: [], result: "pointer" },
  TF_DeleteSessionOptions: { parameters: ["pointer"], result: "void" },
  TF_SetConfig: { parameters: ["pointer", "buffer", "usize", "pointer"], result: "void" },
  TF_NewSession: { parameters: ["pointer", "pointer", "pointer"], result: "pointer" },
  TF_CloseSession: { parameters: ["pointer", "pointer"], result: "void" },
  TF_DeleteSession: { parameters: ["pointer", "pointer"], result: "void" },
  TF_SessionRun: {
    parameters: [
      "pointer", // session
      "pointer", // run_options (TF_Buffer*)
      "buffer", // inputs (TF_Output[])
      "buffer", // input_values (TF_Tensor*[])
      "i32",
      "buffer", // outputs (TF_Output[])
      "buffer", // output_values (TF_Tensor*[], written)
      "i32",
      "buffer", // target_opers (TF_Operation*[])
      "i32",
      "pointer", // run_metadata
      "pointer", // status
    ],
    result: "void",
  },
  // The same function on Deno's FFI thread pool: a training step takes seconds,
  // and the event loop must stay alive for signal handlers and progress output.
  TF_SessionRunAsync: {
    name: "TF_SessionRun",
    nonblocking: true,
    parameters: [
      "pointer",
      "pointer",
      "buffer",
      "buffer",
      "i32",
      "buffer",
      "buffer",
      "i32",
      "buffer",
      "i32",
      "pointer",
      "pointer",
    ],
    result: "void",
  },
  TF_SessionListDevices: { parameters: ["pointer", "pointer"], result: "pointer" },
  TF_DeleteDeviceList: { parameters: ["pointer"], result: "void" },
  TF_DeviceListCount: { parameters: ["pointer"], result: "i32" },
  TF_DeviceListName: { parameters: ["pointer", "i32", "pointer"], result: "pointer" },
  TF_DeviceListType: { parameters: ["pointer", "i32", "pointer"], result: "pointer" },
  TF_DeviceListMemoryBytes: { parameters: ["pointer", "i32", "pointer"], result: "i64" },
} as const satisfies Deno.ForeignLibraryInterface;

/**
 * Abseil's log threshold, which TensorFlow 2.21's C++ logging goes through:
 * TF_CPP_MIN_LOG_LEVEL alone does not silence it outside Python. The name is
 * mangled with Abseil's release, so it is looked up on its own and may be
 * absent from other builds.
 */
export const logSymbols = {
  absl_SetMinLogLevel: {
    name: "_ZN4absl12lts_2025081414SetMinLogLevelENS0_18LogSeverityAtLeastE",
    parameters: ["i32"],
    result: "void",
    optional: true,
  },
} as const satisfies Deno.ForeignLibraryInterface;

/** The loaded functions, typed from {@linkcode symbols}. */
export type TensorFlowSymbols = Deno.DynamicLibrary<typeof symbols>["symbols"];
