/*
 * The seed example from C, through the Wasm module translated by wasm2c:
 * f(w, x) = 1/(1 + exp(-(w0*x0 + w1*x1 + w2))), built from its intermediate
 * functions a..h, then backward from h. Prints every node's value and
 * gradient with %.17g (enough digits to name each double exactly), so the
 * output can be compared with the JS engine's character for character.
 *
 *   wasm2c build/wasmgrad.wasm -n wasmgrad -o out/wasmgrad_core.c
 *   gcc -O2 -ffp-contract=off -fno-optimize-sibling-calls -frounding-math -fsignaling-nans \
 *       -Iinclude -Iout -I/usr/share/wabt/wasm2c hosts/c/seed.c out/wasmgrad_core.c -lwasm-rt-impl -lm -o out/seed
 *   out/seed
 *
 * test/hosts/c.test.ts does exactly this and checks the output.
 */
#include <stdio.h>

#include "wasm-rt-impl.h"
#include "wasmgrad.h"

static int check(wasmgrad_instance* m, int32_t id, const char* what) {
  if (id < 0) fprintf(stderr, "seed: %s failed with error %d\n", what, wasmgrad_lastError(m));
  return id < 0;
}

int main(void) {
  wasmgrad_instance m;
  wasmgrad_open(&m);

  wasm_rt_trap_t trap = wasm_rt_impl_try();
  if (trap != WASM_RT_TRAP_NONE) {
    fprintf(stderr, "seed: the module trapped: %s\n", wasm_rt_strerror(trap));
    return 2;
  }

  int32_t version = wasmgrad_abiVersion(&m);
  if (version != WASMGRAD_ABI_VERSION) {
    fprintf(stderr, "seed: the module has ABI version %d, this host was written for %d\n", version, WASMGRAD_ABI_VERSION);
    return 1;
  }
  printf("abiVersion %d\n", version);
  printf("selfTest %d\n", wasmgrad_selfTest(&m));

  const char* names[] = {"w0", "x0", "w1", "x1", "w2", "a", "b", "c", "d", "e", "f", "g", "h"};
  int32_t id[13];
  id[0] = wasmgrad_pushLeaf(&m, 2.0);  /* w0 */
  id[1] = wasmgrad_pushLeaf(&m, -1.0); /* x0 */
  id[2] = wasmgrad_pushLeaf(&m, -3.0); /* w1 */
  id[3] = wasmgrad_pushLeaf(&m, -2.0); /* x1 */
  id[4] = wasmgrad_pushLeaf(&m, -3.0); /* w2 */
  id[5] = wasmgrad_pushBinary(&m, WASMGRAD_OP_MUL, id[0], id[1]);          /* a = w0*x0 */
  id[6] = wasmgrad_pushBinary(&m, WASMGRAD_OP_MUL, id[2], id[3]);          /* b = w1*x1 */
  id[7] = wasmgrad_pushBinary(&m, WASMGRAD_OP_ADD, id[5], id[6]);          /* c = a+b */
  id[8] = wasmgrad_pushBinary(&m, WASMGRAD_OP_ADD, id[7], id[4]);          /* d = c+w2 */
  id[9] = wasmgrad_pushUnary(&m, WASMGRAD_OP_NEG, id[8]);                  /* e = -d */
  id[10] = wasmgrad_pushUnary(&m, WASMGRAD_OP_EXP, id[9]);                 /* f = exp(e) */
  id[11] = wasmgrad_pushBinaryConst(&m, WASMGRAD_OP_ADD, id[10], 1.0, 1);  /* g = 1+f */
  id[12] = wasmgrad_pushBinaryConst(&m, WASMGRAD_OP_DIV, id[11], 1.0, 1);  /* h = 1/g */
  for (int i = 0; i < 13; i++) {
    if (check(&m, id[i], names[i])) return 1;
  }
  if (wasmgrad_backward(&m, id[12]) != 0) {
    fprintf(stderr, "seed: backward failed with error %d\n", wasmgrad_lastError(&m));
    return 1;
  }

  printf("node value grad\n");
  for (int i = 0; i < 13; i++) {
    printf("%s %.17g %.17g\n", names[i], wasmgrad_nodeValue(&m, id[i]), wasmgrad_nodeGrad(&m, id[i]));
  }

  wasmgrad_reset(&m);
  printf("nodes after reset %d\n", wasmgrad_nodeCount(&m));
  wasmgrad_close(&m);
  wasm_rt_free();
  return 0;
}
