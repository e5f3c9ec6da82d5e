// Error codes of the checked exports (declared in registry/ops.mjs, listed in
// docs/abi.md), shared by every file that validates.

import { ErrorCode } from "./generated/ops";
export { ErrorCode } from "./generated/ops";

/** The code of the last failed checked export, for lastError(). */
export let errorCode: i32 = ErrorCode.None;

/** Records `code` and returns -1, the failure result of the checked exports. */
export function fail(code: i32): i32 {
  errorCode = code;
  return -1;
}
