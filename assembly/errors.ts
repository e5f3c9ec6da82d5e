// Error codes of the checked exports (docs/abi.md), shared by every file that validates.

export const enum ErrorCode {
  None = 0,
  BadOp = 1,       // op id unknown, or wrong arity for the export used
  BadNode = 2,     // node id not on the tape, or a range/root/input outside what it must be in
  BadParam = 3,    // parameter slot not created
  BadProgram = 4,  // program id never made, or freed
  BadFormat = 5,   // a serialized program that does not parse or validate
  BadTensor = 6,   // tensor node id not on the tensor tape
  BadShape = 7,    // shapes that do not fit the op (broadcast, matmul, conv, reshape, rank > 8)
  BadDType = 8,    // a dtype unknown, mixed, or not allowed for the op (int32 arithmetic)
  BadSlot = 9,     // slot never created, freed, or of the wrong size/dtype for the call
  BadArgument = 10, // an attribute out of range: an axis, an index, a stride, a slice bound
  OutOfMemory = 11, // linear memory could not grow to hold the request; nothing was changed
}

/** The code of the last failed checked export, for lastError(). */
export let errorCode: i32 = ErrorCode.None;

/** Records `code` and returns -1, the failure result of the checked exports. */
export function fail(code: i32): i32 {
  errorCode = code;
  return -1;
}
