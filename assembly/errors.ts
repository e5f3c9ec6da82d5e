// Error codes of the checked exports (docs/abi.md), shared by every file that validates.

export const enum ErrorCode {
  None = 0,
  BadOp = 1,       // op id unknown, or wrong arity for the export used
  BadNode = 2,     // node id not on the tape, or a range/root/input outside what it must be in
  BadParam = 3,    // parameter slot not created
  BadProgram = 4,  // program id never made, or freed
  BadFormat = 5,   // a serialized program that does not parse or validate
}
