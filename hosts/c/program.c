/*
 * A saved compiled program (docs/program-format.md) trained from C: reads the
 * file, copies its bytes into linear memory, lets the module validate and load
 * it, then runs SGD steps inside the module. Prints each step's loss (before
 * the update) and the trained parameters with %.17g, for comparison with the
 * JS engine running the same program.
 *
 *   program FILE STEPS LR
 *
 * Built like seed.c (see there); test/hosts/c.test.ts builds and checks it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm-rt-impl.h"
#include "wasmgrad.h"

static unsigned char* read_file(const char* path, long* size) {
  FILE* f = fopen(path, "rb");
  if (!f) return NULL;
  unsigned char* bytes = NULL;
  if (fseek(f, 0, SEEK_END) == 0 && (*size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
    bytes = malloc(*size > 0 ? (size_t)*size : 1);
    if (bytes && fread(bytes, 1, (size_t)*size, f) != (size_t)*size) {
      free(bytes);
      bytes = NULL;
    }
  }
  fclose(f);
  return bytes;
}

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: program FILE STEPS LR\n");
    return 2;
  }
  long size = 0;
  unsigned char* bytes = read_file(argv[1], &size);
  if (!bytes) {
    fprintf(stderr, "program: cannot read %s\n", argv[1]);
    return 2;
  }
  int steps = atoi(argv[2]);
  double lr = atof(argv[3]);

  wasmgrad_instance m;
  wasmgrad_open(&m);
  wasm_rt_trap_t trap = wasm_rt_impl_try();
  if (trap != WASM_RT_TRAP_NONE) {
    fprintf(stderr, "program: the module trapped: %s\n", wasm_rt_strerror(trap));
    return 2;
  }

  uint32_t ptr = wasmgrad_alloc(&m, (uint32_t)size);
  memcpy(wasmgrad_memory(&m) + ptr, bytes, (size_t)size); /* after alloc: it may have grown memory */
  free(bytes);
  int32_t prog = wasmgrad_programLoad(&m, ptr, (uint32_t)size);
  wasmgrad_free(&m, ptr);
  if (prog < 0) {
    printf("load failed: error %d\n", wasmgrad_lastError(&m));
    return 1;
  }

  int32_t root = wasmgrad_programRoot(&m, prog);
  printf("nodes %d inputs %d params %d\n", wasmgrad_programNodeCount(&m, prog), wasmgrad_programInputCount(&m, prog),
         wasmgrad_programSlotCount(&m, prog));
  for (int k = 0; k < steps; k++) {
    wasmgrad_programStep(&m, prog, lr);
    printf("step %d loss %.17g\n", k, wasmgrad_programValue(&m, prog, root));
  }
  for (int k = 0; k < wasmgrad_programSlotCount(&m, prog); k++) {
    printf("param %d %.17g\n", k, wasmgrad_paramValue(&m, wasmgrad_programSlot(&m, prog, k)));
  }
  wasmgrad_programFree(&m, prog);
  wasmgrad_close(&m);
  wasm_rt_free();
  return 0;
}
