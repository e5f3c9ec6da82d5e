/*
 * A tensor graph from C through the one op entry, wasmgrad_tensorRun(): each
 * kind's attributes are written at the stage words the header names
 * (enum wasmgrad_attr), then one call records the node. A linear layer and a
 * few shape ops, forward and backward, in f64:
 *
 *   y = tanh(x @ wT), x [2, 3] a leaf, w [4, 3] a trainable slot
 *   q = pad(y, one column of 0.5 before the first)            [2, 5]
 *   r = sum of q over axis 1, keeping it                      [2, 1]
 *   loss = sum of r                                           []
 *
 * Prints the loss and the gradients of x and w with %.17g; test/hosts/c.test.ts
 * builds it as seed.c is built and compares them with the JS engine's.
 */
#include <stdio.h>
#include <string.h>

#include "wasm-rt-impl.h"
#include "wasmgrad.h"

/* The staging area as i32 words; re-read after every call that may grow memory. */
static int32_t* stage(wasmgrad_instance* m) { return (int32_t*)(wasmgrad_memory(m) + wasmgrad_tensorStage(m)); }

/* An i32[] attribute: its length at `word`, then its entries. */
static void stage_list(wasmgrad_instance* m, int word, int n, const int32_t* xs) {
  int32_t* s = stage(m);
  s[word] = n;
  memcpy(s + word + 1, xs, (size_t)n * sizeof(int32_t));
}

static int check(wasmgrad_instance* m, int32_t id, const char* what) {
  if (id < 0) fprintf(stderr, "tensor: %s failed with error %d\n", what, wasmgrad_lastError(m));
  return id < 0;
}

static void print_f64(const char* name, wasmgrad_instance* m, uint32_t ptr, int n) {
  const double* p = (const double*)(wasmgrad_memory(m) + ptr);
  printf("%s", name);
  for (int i = 0; i < n; i++) printf(" %.17g", p[i]);
  printf("\n");
}

int main(void) {
  wasmgrad_instance m;
  wasmgrad_open(&m);
  wasm_rt_trap_t trap = wasm_rt_impl_try();
  if (trap != WASM_RT_TRAP_NONE) {
    fprintf(stderr, "tensor: the module trapped: %s\n", wasm_rt_strerror(trap));
    return 2;
  }

  static const double xs[6] = {0.5, -1, 2, 0.25, 1.5, -0.75};
  stage(&m)[0] = 2; stage(&m)[1] = 3;
  int32_t x = wasmgrad_tensorFromData(&m, WASMGRAD_DTYPE_F64, 2, 1);
  if (check(&m, x, "x")) return 1;
  memcpy(wasmgrad_memory(&m) + wasmgrad_tensorData(&m, x), xs, sizeof xs);

  stage(&m)[0] = 4; stage(&m)[1] = 3;
  int32_t ws = wasmgrad_slotCreate(&m, WASMGRAD_DTYPE_F64, 2, 1);
  if (check(&m, ws, "w")) return 1;
  double* wd = (double*)(wasmgrad_memory(&m) + wasmgrad_slotData(&m, ws));
  for (int k = 0; k < 12; k++) wd[k] = 0.1 * k - 0.6;
  int32_t w = wasmgrad_slotNode(&m, ws);

  stage(&m)[WASMGRAD_ATTR_MATMUL_TRANS_A] = 0;
  stage(&m)[WASMGRAD_ATTR_MATMUL_TRANS_B] = 1;
  int32_t xw = wasmgrad_tensorRun(&m, WASMGRAD_NODE_MATMUL, x, w, -1);
  if (check(&m, xw, "matmul")) return 1;

  stage(&m)[WASMGRAD_ATTR_UNARY_OP] = WASMGRAD_OP_TANH;
  int32_t y = wasmgrad_tensorRun(&m, WASMGRAD_NODE_UNARY, xw, -1, -1);
  if (check(&m, y, "tanh")) return 1;

  static const int32_t before[2] = {0, 1}, after[2] = {0, 0};
  stage_list(&m, WASMGRAD_ATTR_PAD_BEFORE, 2, before);
  stage_list(&m, WASMGRAD_ATTR_PAD_AFTER, 2, after);
  *(double*)(stage(&m) + WASMGRAD_ATTR_PAD_VALUE) = 0.5;
  int32_t q = wasmgrad_tensorRun(&m, WASMGRAD_NODE_PAD, y, -1, -1);
  if (check(&m, q, "pad")) return 1;

  static const int32_t axis1[1] = {1}, both[2] = {0, 1};
  stage(&m)[WASMGRAD_ATTR_REDUCE_KIND] = WASMGRAD_REDUCE_SUM;
  stage_list(&m, WASMGRAD_ATTR_REDUCE_AXES, 1, axis1);
  stage(&m)[WASMGRAD_ATTR_REDUCE_KEEPDIMS] = 1;
  int32_t r = wasmgrad_tensorRun(&m, WASMGRAD_NODE_REDUCE, q, -1, -1);
  if (check(&m, r, "sum over axis 1")) return 1;

  stage_list(&m, WASMGRAD_ATTR_REDUCE_AXES, 2, both);
  stage(&m)[WASMGRAD_ATTR_REDUCE_KEEPDIMS] = 0;
  int32_t loss = wasmgrad_tensorRun(&m, WASMGRAD_NODE_REDUCE, r, -1, -1);
  if (check(&m, loss, "sum")) return 1;

  if (wasmgrad_tensorBackward(&m, loss) != 0) {
    fprintf(stderr, "tensor: backward failed with error %d\n", wasmgrad_lastError(&m));
    return 1;
  }
  printf("shapes q %dx%d r %dx%d loss rank %d\n", wasmgrad_tensorDim(&m, q, 0), wasmgrad_tensorDim(&m, q, 1),
         wasmgrad_tensorDim(&m, r, 0), wasmgrad_tensorDim(&m, r, 1), wasmgrad_tensorRank(&m, loss));
  print_f64("loss", &m, wasmgrad_tensorData(&m, loss), 1);
  print_f64("x.grad", &m, wasmgrad_tensorGrad(&m, x), 6);
  print_f64("w.grad", &m, wasmgrad_slotGrad(&m, ws), 12);

  wasmgrad_close(&m);
  wasm_rt_free();
  return 0;
}
