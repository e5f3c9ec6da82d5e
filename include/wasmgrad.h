/*
 * wasmgrad.h - the wasmgrad Wasm ABI, version 1, for C and C++ hosts of the
 * wasm2c translation of build/wasmgrad.wasm. The ABI itself is in docs/abi.md.
 *
 * The module imports nothing and exports numbers-only functions, so any Wasm
 * host can drive it. This header gives C code the ABI's constants (version, op
 * ids, error codes) and, over wasm2c's output, the exports with their ABI types
 * (int32_t node ids, where wasm2c says u32).
 *
 * Build (wabt's wasm2c; Debian: apt-get install wabt):
 *
 *   wasm2c build/wasmgrad.wasm -n wasmgrad -o wasmgrad_core.c
 *   cc -O2 -ffp-contract=off -fno-optimize-sibling-calls -frounding-math -fsignaling-nans \
 *      -Iinclude -I. -I/usr/share/wabt/wasm2c host.c wasmgrad_core.c -lwasm-rt-impl -lm
 *
 * `-n wasmgrad` fixes the generated names; `-ffp-contract=off` keeps the C
 * compiler from fusing a*b+c into one rounding (Wasm rounds each operation),
 * and the other flags are the ones wasm2c's README asks for with -O2. With them
 * the results equal the JS engine's to the last bit.
 *
 * wasm2c changed its naming in wabt 1.0.33. This header defaults to the names
 * of wabt <= 1.0.32 (Debian 12, where it is tested); for wabt >= 1.0.33 define
 * WASMGRAD_WASM2C_NAMES to 2 before including it. Define WASMGRAD_ABI_ONLY to
 * get only the constants (for hosts other than wasm2c), and
 * WASMGRAD_WASM2C_HEADER to include the generated header by another name.
 *
 *   #include "wasmgrad.h"
 *
 *   wasmgrad_instance m;
 *   wasmgrad_open(&m);                       // wasm_rt_init() + instantiate
 *   int32_t x = wasmgrad_pushLeaf(&m, 2.0);
 *   int32_t y = wasmgrad_pushUnary(&m, WASMGRAD_OP_TANH, x);
 *   wasmgrad_backward(&m, y);
 *   double dy_dx = wasmgrad_nodeGrad(&m, x);
 *   wasmgrad_close(&m);
 *
 * Compiled programs (docs/abi.md, "Compiled programs"): a saved program is
 * loaded by copying its bytes into a block from wasmgrad_alloc() and calling
 * wasmgrad_programLoad(); the format is docs/program-format.md.
 */
#ifndef WASMGRAD_H
#define WASMGRAD_H

#include <stdint.h>

/* ---- The ABI: no dependency on any Wasm host ------------------------------ */

/** What abiVersion() returns. Exports may be added within a version; none is removed or changes meaning. */
#define WASMGRAD_ABI_VERSION 1

/* BEGIN GENERATED: enums (registry/ops.mjs, npm run gen) */
/** Op ids (append-only), each with its arity: the node inputs it takes. */
enum wasmgrad_op {
  WASMGRAD_OP_LEAF = 0,      /* leaf: input value; its gradient accumulates across backward() calls */
  WASMGRAD_OP_CONST = 1,     /* leaf: constant; never trained */
  WASMGRAD_OP_PARAM = 2,     /* leaf: reads parameter slot inputA; backward adds into the slot */
  WASMGRAD_OP_ADD = 3,       /* binary: x + y */
  WASMGRAD_OP_SUB = 4,       /* binary: x - y */
  WASMGRAD_OP_MUL = 5,       /* binary: x * y */
  WASMGRAD_OP_DIV = 6,       /* binary: x / y */
  WASMGRAD_OP_POW = 7,       /* binary: x ** y, both differentiable */
  WASMGRAD_OP_POW_CONST = 8, /* binary: x ** c, c a CONST node (no gradient to c) */
  WASMGRAD_OP_NEG = 9,       /* unary: -x */
  WASMGRAD_OP_EXP = 10,      /* unary: e^x */
  WASMGRAD_OP_LOG = 11,      /* unary: ln x */
  WASMGRAD_OP_SQRT = 12,     /* unary: sqrt x */
  WASMGRAD_OP_TANH = 13,     /* unary: tanh x */
  WASMGRAD_OP_SIGMOID = 14,  /* unary: 1/(1+e^-x), overflow-free */
  WASMGRAD_OP_RELU = 15,     /* unary: max(x, 0); NaN stays NaN */
  WASMGRAD_OP_SIN = 16,      /* unary: sin x */
  WASMGRAD_OP_COS = 17,      /* unary: cos x */
  WASMGRAD_OP_ABS = 18,      /* unary: |x| */
  WASMGRAD_OP_LOG1P = 19,    /* unary: ln(1 + x), exact for small x */
  WASMGRAD_OP_EXPM1 = 20,    /* unary: e^x - 1, exact for small x */
  WASMGRAD_OP_ERF = 21,      /* unary: the error function */
  WASMGRAD_OP_ATAN2 = 22,    /* binary: atan2(x, y), the angle of the point (y, x) */
  WASMGRAD_OP_GT = 23,       /* binary: 1 if x > y else 0; no gradient */
  WASMGRAD_OP_GE = 24,       /* binary: 1 if x >= y else 0; no gradient */
  WASMGRAD_OP_EQ = 25,       /* binary: 1 if x == y else 0; no gradient */
  WASMGRAD_OP_SIGN = 26,     /* unary: 1, -1 or 0 by the sign of x (NaN for NaN); no gradient */
  WASMGRAD_OP_SELECT = 27,   /* binary: y if mask x != 0 else 0; gradient to y only */
  WASMGRAD_OP_COUNT = 28     /* the ops this header declares: opCount() of a module built with it (ids are append-only, so a newer module may have more) */
};

/** lastError() codes. A failed checked export returns -1 (NaN for the f64 readers) and records one. */
enum wasmgrad_error {
  WASMGRAD_OK = 0,            /* no error */
  WASMGRAD_ERR_OP = 1,        /* unknown op, or wrong arity for the export */
  WASMGRAD_ERR_NODE = 2,      /* node id not on the current tape (or a range, root or pointer that is not what the export needs) */
  WASMGRAD_ERR_PARAM = 3,     /* parameter slot not created */
  WASMGRAD_ERR_PROGRAM = 4,   /* program id never made, or freed */
  WASMGRAD_ERR_FORMAT = 5,    /* bytes that are not a valid serialized program (docs/program-format.md) */
  WASMGRAD_ERR_TENSOR = 6,    /* tensor id not on the tensor tape */
  WASMGRAD_ERR_SHAPE = 7,     /* shapes that do not fit the op (broadcast, matmul, conv, reshape, rank > 8) */
  WASMGRAD_ERR_DTYPE = 8,     /* a dtype unknown, mixed, or not allowed for the op */
  WASMGRAD_ERR_SLOT = 9,      /* slot never created, freed, or of the wrong size or dtype for the call */
  WASMGRAD_ERR_ARGUMENT = 10, /* an attribute out of range: an axis, an index, a stride, a slice bound */
  WASMGRAD_ERR_MEMORY = 11    /* linear memory could not grow to hold the request; nothing was changed */
};

/** Tensor dtypes. */
enum wasmgrad_dtype {
  WASMGRAD_DTYPE_F32 = 0, /* float32, 4 bytes */
  WASMGRAD_DTYPE_F64 = 1, /* float64, 8 bytes */
  WASMGRAD_DTYPE_I32 = 2  /* int32, 4 bytes */
};

/** Elementwise ops only tensors have (the scalar op ids above work on tensors too). */
enum wasmgrad_tensor_op {
  WASMGRAD_TOP_MAXIMUM = 100,    /* binary: max(x, y); ties split the gradient */
  WASMGRAD_TOP_MINIMUM = 101,    /* binary: min(x, y) */
  WASMGRAD_TOP_LEAKY_RELU = 102, /* binary: x > 0 ? x : y*x */
  WASMGRAD_TOP_GELU = 110,       /* unary: tanh-form GELU */
  WASMGRAD_TOP_GELU_ERF = 111    /* unary: exact GELU, x*Φ(x) */
};

/** Tensor node kinds: what wasmgrad_tensorOp() returns. */
enum wasmgrad_node_kind {
  WASMGRAD_NODE_LEAF = 0,           /* no inputs: elements from the host; requiresGrad on request; gradient accumulates */
  WASMGRAD_NODE_CONST = 1,          /* no inputs: elements from the host or one fill value; no gradient */
  WASMGRAD_NODE_PARAM = 2,          /* no inputs: aliases a slot's data and gradient */
  WASMGRAD_NODE_UNARY = 3,          /* x: an arity-1 elementwise op */
  WASMGRAD_NODE_BINARY = 4,         /* x, y: an arity-2 elementwise op, broadcast */
  WASMGRAD_NODE_WHERE = 5,          /* mask, x, y: mask != 0 ? x : y, broadcast */
  WASMGRAD_NODE_COMPARE = 6,        /* x, y: (x kind y) ? 1 : 0, broadcast */
  WASMGRAD_NODE_REDUCE = 7,         /* x: sum, max or min over axes */
  WASMGRAD_NODE_MATMUL = 8,         /* a, b: batched matrix product */
  WASMGRAD_NODE_RESHAPE = 9,        /* x: same elements, new shape */
  WASMGRAD_NODE_PERMUTE = 10,       /* x: dims reordered */
  WASMGRAD_NODE_EXPAND = 11,        /* x: broadcast to a shape */
  WASMGRAD_NODE_SLICE = 12,         /* x: a box of elements */
  WASMGRAD_NODE_CONCAT = 13,        /* a, b: a and b joined along an axis */
  WASMGRAD_NODE_PAD = 14,           /* x: constant padding */
  WASMGRAD_NODE_INDEX_SELECT = 15,  /* x, indices: entries of an axis picked by int32 indices */
  WASMGRAD_NODE_CONV2D = 16,        /* x, w: 2-d convolution, no bias */
  WASMGRAD_NODE_MAX_POOL2D = 17,    /* x: window maximum; the first maximum gets the gradient */
  WASMGRAD_NODE_AVG_POOL2D = 18,    /* x: window mean; padding counts in the divisor */
  WASMGRAD_NODE_DETACH = 19,        /* x: same elements, no gradient */
  WASMGRAD_NODE_CAST = 20,          /* x: another dtype (no gradient to or from int32) */
  WASMGRAD_NODE_CROSS_ENTROPY = 21, /* logits, targets: mean over rows of logsumexp - the target logit */
  WASMGRAD_NODE_ARGMAX = 22,        /* x: int32 index of the maximum along an axis: the first on ties, the first NaN if any */
  WASMGRAD_NODE_ARGMIN = 23,        /* x: int32 index of the minimum along an axis: the first on ties, the first NaN if any */
  WASMGRAD_NODE_ARGSORT = 24,       /* x: int32 indices that sort each line along an axis; stable, NaN largest */
  WASMGRAD_NODE_GATHER = 25,        /* x, index: x taken along an axis at int32 indices of the shape of the output */
  WASMGRAD_NODE_SCATTER_ADD = 26,   /* x, index, src: x plus src added along an axis at int32 indices */
  WASMGRAD_NODE_CUMSUM = 27,        /* x: running sum along an axis */
  WASMGRAD_NODE_CUMPROD = 28        /* x: running product along an axis; the gradient is exact where x has zeros */
};

/** Kinds of a Compare node: 1 where (x kind y), else 0. */
enum wasmgrad_compare {
  WASMGRAD_CMP_EQ = 0, /* x == y */
  WASMGRAD_CMP_NE = 1, /* x != y */
  WASMGRAD_CMP_LT = 2, /* x < y */
  WASMGRAD_CMP_LE = 3, /* x <= y */
  WASMGRAD_CMP_GT = 4, /* x > y */
  WASMGRAD_CMP_GE = 5  /* x >= y */
};

/** Kinds of a Reduce node. */
enum wasmgrad_reduce {
  WASMGRAD_REDUCE_SUM = 0, /* sum, accumulated in f64 */
  WASMGRAD_REDUCE_MAX = 1, /* maximum; ties share the gradient */
  WASMGRAD_REDUCE_MIN = 2  /* minimum; ties share the gradient */
};
/* END GENERATED: enums */

/* BEGIN GENERATED: attrs (registry/ops.mjs, npm run gen) */
/** Where wasmgrad_tensorRun() reads each attribute: an int32 index into the staging area (f64s: two words, 8-byte aligned; i32[]: a length, then the entries). */
enum wasmgrad_attr {
  WASMGRAD_ATTR_UNARY_OP = 0,            /* op */
  WASMGRAD_ATTR_BINARY_OP = 0,           /* op */
  WASMGRAD_ATTR_COMPARE_KIND = 0,        /* compare */
  WASMGRAD_ATTR_REDUCE_KIND = 0,         /* reduce */
  WASMGRAD_ATTR_REDUCE_AXES = 1,         /* i32[] */
  WASMGRAD_ATTR_REDUCE_KEEPDIMS = 10,    /* bool */
  WASMGRAD_ATTR_MATMUL_TRANS_A = 0,      /* bool */
  WASMGRAD_ATTR_MATMUL_TRANS_B = 1,      /* bool */
  WASMGRAD_ATTR_RESHAPE_SHAPE = 0,       /* i32[] */
  WASMGRAD_ATTR_PERMUTE_PERM = 0,        /* i32[] */
  WASMGRAD_ATTR_EXPAND_SHAPE = 0,        /* i32[] */
  WASMGRAD_ATTR_SLICE_STARTS = 0,        /* i32[] */
  WASMGRAD_ATTR_SLICE_ENDS = 9,          /* i32[] */
  WASMGRAD_ATTR_CONCAT_AXIS = 0,         /* i32 */
  WASMGRAD_ATTR_PAD_BEFORE = 0,          /* i32[] */
  WASMGRAD_ATTR_PAD_AFTER = 9,           /* i32[] */
  WASMGRAD_ATTR_PAD_VALUE = 18,          /* f64 */
  WASMGRAD_ATTR_INDEX_SELECT_AXIS = 0,   /* i32 */
  WASMGRAD_ATTR_CONV2D_STRIDE_H = 0,     /* i32 */
  WASMGRAD_ATTR_CONV2D_STRIDE_W = 1,     /* i32 */
  WASMGRAD_ATTR_CONV2D_PAD_H = 2,        /* i32 */
  WASMGRAD_ATTR_CONV2D_PAD_W = 3,        /* i32 */
  WASMGRAD_ATTR_MAX_POOL2D_KERNEL_H = 0, /* i32 */
  WASMGRAD_ATTR_MAX_POOL2D_KERNEL_W = 1, /* i32 */
  WASMGRAD_ATTR_MAX_POOL2D_STRIDE_H = 2, /* i32 */
  WASMGRAD_ATTR_MAX_POOL2D_STRIDE_W = 3, /* i32 */
  WASMGRAD_ATTR_MAX_POOL2D_PAD_H = 4,    /* i32 */
  WASMGRAD_ATTR_MAX_POOL2D_PAD_W = 5,    /* i32 */
  WASMGRAD_ATTR_AVG_POOL2D_KERNEL_H = 0, /* i32 */
  WASMGRAD_ATTR_AVG_POOL2D_KERNEL_W = 1, /* i32 */
  WASMGRAD_ATTR_AVG_POOL2D_STRIDE_H = 2, /* i32 */
  WASMGRAD_ATTR_AVG_POOL2D_STRIDE_W = 3, /* i32 */
  WASMGRAD_ATTR_AVG_POOL2D_PAD_H = 4,    /* i32 */
  WASMGRAD_ATTR_AVG_POOL2D_PAD_W = 5,    /* i32 */
  WASMGRAD_ATTR_CAST_DTYPE = 0,          /* dtype */
  WASMGRAD_ATTR_ARGMAX_AXIS = 0,         /* i32 */
  WASMGRAD_ATTR_ARGMAX_KEEPDIMS = 1,     /* bool */
  WASMGRAD_ATTR_ARGMIN_AXIS = 0,         /* i32 */
  WASMGRAD_ATTR_ARGMIN_KEEPDIMS = 1,     /* bool */
  WASMGRAD_ATTR_ARGSORT_AXIS = 0,        /* i32 */
  WASMGRAD_ATTR_ARGSORT_DESCENDING = 1,  /* bool */
  WASMGRAD_ATTR_GATHER_AXIS = 0,         /* i32 */
  WASMGRAD_ATTR_SCATTER_ADD_AXIS = 0,    /* i32 */
  WASMGRAD_ATTR_CUMSUM_AXIS = 0,         /* i32 */
  WASMGRAD_ATTR_CUMPROD_AXIS = 0,        /* i32 */
  WASMGRAD_ATTR_ARRAY_CAPACITY = 8       /* entries an i32[] attribute has room for */
};
/* END GENERATED: attrs */

/**
 * selfTest() results: 0 on success, else the first wrong number of the seed
 * example (1: h, 2..6: dh/dw0, dh/dx0, dh/dw1, dh/dx1, dh/dw2).
 */
#define WASMGRAD_SELFTEST_OK 0

/*
 * Memory. The tape is five arrays of nodeCapacity() entries in linear memory,
 * at byte offsets the *Pointer() exports return:
 *   ops u8, inputsA i32, inputsB i32, values f64, grads f64
 * (26 bytes per node with backward's scratch byte), and the parameter slots,
 * paramValues f64 and paramGrads f64 of paramCount() entries. Little-endian.
 * Any push or paramCreate() may move the arrays and grow memory: read the
 * pointers again after such a call. reset() keeps the capacity. When memory
 * cannot grow, a push traps (Wasm `unreachable`); the module's state is intact.
 */

/* ---- The exports over wasm2c's output -------------------------------------- */

#ifndef WASMGRAD_ABI_ONLY

#ifndef WASMGRAD_WASM2C_HEADER
#define WASMGRAD_WASM2C_HEADER "wasmgrad_core.h"
#endif
#include WASMGRAD_WASM2C_HEADER

#ifndef WASMGRAD_WASM2C_NAMES
#define WASMGRAD_WASM2C_NAMES 1
#endif

#if WASMGRAD_WASM2C_NAMES == 1 /* wabt <= 1.0.32: Z_wasmgradZ_<export>(Z_wasmgrad_instance_t*, ...) */
typedef Z_wasmgrad_instance_t wasmgrad_instance;
#define WASMGRAD_EXPORT(name) Z_wasmgradZ_##name
#elif WASMGRAD_WASM2C_NAMES == 2 /* wabt >= 1.0.33: w2c_wasmgrad_<export>(w2c_wasmgrad*, ...) */
typedef w2c_wasmgrad wasmgrad_instance;
#define WASMGRAD_EXPORT(name) w2c_wasmgrad_##name
#else
#error "WASMGRAD_WASM2C_NAMES must be 1 (wabt <= 1.0.32) or 2 (wabt >= 1.0.33)"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/** Initializes the wasm2c runtime (once per process) and instantiates the module: a fresh tape, no parameters. */
static inline void wasmgrad_open(wasmgrad_instance* m) {
  if (!wasm_rt_is_initialized()) wasm_rt_init();
#if WASMGRAD_WASM2C_NAMES == 1
  static int module_initialized = 0;
  if (!module_initialized) {
    Z_wasmgrad_init_module();
    module_initialized = 1;
  }
  Z_wasmgrad_instantiate(m);
#else
  wasm2c_wasmgrad_instantiate(m);
#endif
}

/** Frees the instance's memory. Call wasm_rt_free() yourself when the process is done with Wasm. */
static inline void wasmgrad_close(wasmgrad_instance* m) {
#if WASMGRAD_WASM2C_NAMES == 1
  Z_wasmgrad_free(m);
#else
  wasm2c_wasmgrad_free(m);
#endif
}

/** The instance's linear memory (for the *Pointer() offsets). */
static inline uint8_t* wasmgrad_memory(wasmgrad_instance* m) { return WASMGRAD_EXPORT(memory)(m)->data; }

/* Version and ops */
static inline int32_t wasmgrad_abiVersion(wasmgrad_instance* m) { return (int32_t)WASMGRAD_EXPORT(abiVersion)(m); }
static inline int32_t wasmgrad_opCount(wasmgrad_instance* m) { return (int32_t)WASMGRAD_EXPORT(opCount)(m); }
/** 0, 1, 2, or -1 for an unknown op id. */
static inline int32_t wasmgrad_opArity(wasmgrad_instance* m, int32_t op) { return (int32_t)WASMGRAD_EXPORT(opArity)(m, (uint32_t)op); }
/* The registry the module was built with, to check these enums against */
/** 1 if a UNARY node takes op, 2 if a BINARY node does, -1 if neither. */
static inline int32_t wasmgrad_tensorOpArity(wasmgrad_instance* m, int32_t op) { return (int32_t)WASMGRAD_EXPORT(tensorOpArity)(m, (uint32_t)op); }
/** Tensor inputs of a node of kind kind (enum wasmgrad_node_kind), or -1 for an unknown kind. */
static inline int32_t wasmgrad_tensorKindArity(wasmgrad_instance* m, int32_t kind) { return (int32_t)WASMGRAD_EXPORT(tensorKindArity)(m, (uint32_t)kind); }
/** The stage word where wasmgrad_tensorRun() reads attribute k of kind (the registry's order: enum wasmgrad_attr), or -1. */
static inline int32_t wasmgrad_tensorAttrWord(wasmgrad_instance* m, int32_t kind, int32_t k) { return (int32_t)WASMGRAD_EXPORT(tensorAttrWord)(m, (uint32_t)kind, (uint32_t)k); }
/** Number of compare kinds (enum wasmgrad_compare). */
static inline int32_t wasmgrad_compareKindCount(wasmgrad_instance* m) { return (int32_t)WASMGRAD_EXPORT(compareKindCount)(m); }
/** Number of reduce kinds (enum wasmgrad_reduce). */
static inline int32_t wasmgrad_reduceKindCount(wasmgrad_instance* m) { return (int32_t)WASMGRAD_EXPORT(reduceKindCount)(m); }
/** Number of lastError() codes, WASMGRAD_OK included (enum wasmgrad_error). */
static inline int32_t wasmgrad_errorCodeCount(wasmgrad_instance* m) { return (int32_t)WASMGRAD_EXPORT(errorCodeCount)(m); }
/** The error code of the last failed call (enum wasmgrad_error); reading it clears it. */
static inline int32_t wasmgrad_lastError(wasmgrad_instance* m) { return (int32_t)WASMGRAD_EXPORT(lastError)(m); }

/* Building the tape (forward values are computed as nodes are pushed). Each returns the new node id, or -1. */
static inline int32_t wasmgrad_pushLeaf(wasmgrad_instance* m, double value) { return (int32_t)WASMGRAD_EXPORT(pushLeaf)(m, value); }
static inline int32_t wasmgrad_pushConst(wasmgrad_instance* m, double value) { return (int32_t)WASMGRAD_EXPORT(pushConst)(m, value); }
static inline int32_t wasmgrad_pushUnary(wasmgrad_instance* m, int32_t op, int32_t a) {
  return (int32_t)WASMGRAD_EXPORT(pushUnary)(m, (uint32_t)op, (uint32_t)a);
}
static inline int32_t wasmgrad_pushBinary(wasmgrad_instance* m, int32_t op, int32_t a, int32_t b) {
  return (int32_t)WASMGRAD_EXPORT(pushBinary)(m, (uint32_t)op, (uint32_t)a, (uint32_t)b);
}
/** Pushes CONST(c), then `a op c` (or `c op a` when constFirst is non-zero); returns the op node. */
static inline int32_t wasmgrad_pushBinaryConst(wasmgrad_instance* m, int32_t op, int32_t a, double c, int32_t constFirst) {
  return (int32_t)WASMGRAD_EXPORT(pushBinaryConst)(m, (uint32_t)op, (uint32_t)a, c, (uint32_t)constFirst);
}
/** A PARAM node reading the slot's value now. */
static inline int32_t wasmgrad_pushParam(wasmgrad_instance* m, int32_t slot) { return (int32_t)WASMGRAD_EXPORT(pushParam)(m, (uint32_t)slot); }

/* The tape */
static inline int32_t wasmgrad_nodeCount(wasmgrad_instance* m) { return (int32_t)WASMGRAD_EXPORT(nodeCount)(m); }
static inline int32_t wasmgrad_nodeCapacity(wasmgrad_instance* m) { return (int32_t)WASMGRAD_EXPORT(nodeCapacity)(m); }
/** The number of reset() calls so far. */
static inline int32_t wasmgrad_generation(wasmgrad_instance* m) { return (int32_t)WASMGRAD_EXPORT(generation)(m); }
/** NaN (and WASMGRAD_ERR_NODE) for an id not on the tape. */
static inline double wasmgrad_nodeValue(wasmgrad_instance* m, int32_t id) { return WASMGRAD_EXPORT(nodeValue)(m, (uint32_t)id); }
static inline double wasmgrad_nodeGrad(wasmgrad_instance* m, int32_t id) { return WASMGRAD_EXPORT(nodeGrad)(m, (uint32_t)id); }
static inline int32_t wasmgrad_nodeOp(wasmgrad_instance* m, int32_t id) { return (int32_t)WASMGRAD_EXPORT(nodeOp)(m, (uint32_t)id); }
/** Input k (0 or 1) of a node, the slot for PARAM nodes, -1 if none. */
static inline int32_t wasmgrad_nodeInput(wasmgrad_instance* m, int32_t id, int32_t k) {
  return (int32_t)WASMGRAD_EXPORT(nodeInput)(m, (uint32_t)id, (uint32_t)k);
}

/* Gradients */
/** Sweeps root..0 once: every node root depends on gets d root / d node (LEAF nodes and parameter slots accumulate). 0 or -1. */
static inline int32_t wasmgrad_backward(wasmgrad_instance* m, int32_t root) { return (int32_t)WASMGRAD_EXPORT(backward)(m, (uint32_t)root); }
/** All node and parameter gradients to 0. */
static inline void wasmgrad_zeroGrad(wasmgrad_instance* m) { WASMGRAD_EXPORT(zeroGrad)(m); }
/** Frees every node in O(1); keeps parameters and capacity. Node ids from before must not be used again. */
static inline void wasmgrad_reset(wasmgrad_instance* m) { WASMGRAD_EXPORT(reset)(m); }

/* Parameters: slots that reset() leaves alone */
static inline int32_t wasmgrad_paramCreate(wasmgrad_instance* m, double value) { return (int32_t)WASMGRAD_EXPORT(paramCreate)(m, value); }
static inline int32_t wasmgrad_paramCount(wasmgrad_instance* m) { return (int32_t)WASMGRAD_EXPORT(paramCount)(m); }
static inline double wasmgrad_paramValue(wasmgrad_instance* m, int32_t slot) { return WASMGRAD_EXPORT(paramValue)(m, (uint32_t)slot); }
static inline double wasmgrad_paramGrad(wasmgrad_instance* m, int32_t slot) { return WASMGRAD_EXPORT(paramGrad)(m, (uint32_t)slot); }
static inline int32_t wasmgrad_paramSetValue(wasmgrad_instance* m, int32_t slot, double x) {
  return (int32_t)WASMGRAD_EXPORT(paramSetValue)(m, (uint32_t)slot, x);
}
static inline int32_t wasmgrad_paramSetGrad(wasmgrad_instance* m, int32_t slot, double x) {
  return (int32_t)WASMGRAD_EXPORT(paramSetGrad)(m, (uint32_t)slot, x);
}

/* Byte offsets of the arrays in linear memory (see Memory above); add them to wasmgrad_memory(m). */
static inline uint32_t wasmgrad_valuesPointer(wasmgrad_instance* m) { return WASMGRAD_EXPORT(valuesPointer)(m); }
static inline uint32_t wasmgrad_gradsPointer(wasmgrad_instance* m) { return WASMGRAD_EXPORT(gradsPointer)(m); }
static inline uint32_t wasmgrad_opsPointer(wasmgrad_instance* m) { return WASMGRAD_EXPORT(opsPointer)(m); }
static inline uint32_t wasmgrad_inputsAPointer(wasmgrad_instance* m) { return WASMGRAD_EXPORT(inputsAPointer)(m); }
static inline uint32_t wasmgrad_inputsBPointer(wasmgrad_instance* m) { return WASMGRAD_EXPORT(inputsBPointer)(m); }
static inline uint32_t wasmgrad_paramValuesPointer(wasmgrad_instance* m) { return WASMGRAD_EXPORT(paramValuesPointer)(m); }
static inline uint32_t wasmgrad_paramGradsPointer(wasmgrad_instance* m) { return WASMGRAD_EXPORT(paramGradsPointer)(m); }

/* Truncating the tape: frees eager nodes from `count` on (count <= nodeCount). 0 or -1. */
static inline int32_t wasmgrad_truncate(wasmgrad_instance* m, int32_t count) { return (int32_t)WASMGRAD_EXPORT(truncate)(m, (uint32_t)count); }

/*
 * Compiled programs: a self-contained range of the eager tape, renumbered from
 * 0, replayed in one call. Inputs are nodes 0..inputCount-1 (LEAF nodes whose
 * values the host sets); a run recomputes every node, then sweeps backward
 * from the root. Each returns a program id or 0, or -1 (WASMGRAD_ERR_PROGRAM
 * for a bad id).
 */
/** Compiles eager nodes [start, end) into a program; its first inputCount nodes must be LEAF nodes and root inside the range. */
static inline int32_t wasmgrad_programCreate(wasmgrad_instance* m, int32_t start, int32_t end, int32_t inputCount, int32_t root) {
  return (int32_t)WASMGRAD_EXPORT(programCreate)(m, (uint32_t)start, (uint32_t)end, (uint32_t)inputCount, (uint32_t)root);
}
/** Validates and loads a serialized program from [ptr, ptr+len) of linear memory; creates its parameters as new slots. -1 with WASMGRAD_ERR_FORMAT for bad bytes. */
static inline int32_t wasmgrad_programLoad(wasmgrad_instance* m, uint32_t ptr, uint32_t len) {
  return (int32_t)WASMGRAD_EXPORT(programLoad)(m, ptr, len);
}
/** Frees a program; its id may be reused. */
static inline int32_t wasmgrad_programFree(wasmgrad_instance* m, int32_t id) { return (int32_t)WASMGRAD_EXPORT(programFree)(m, (uint32_t)id); }
/** Recomputes every node. */
static inline int32_t wasmgrad_programForward(wasmgrad_instance* m, int32_t id) { return (int32_t)WASMGRAD_EXPORT(programForward)(m, (uint32_t)id); }
/** Forward, then backward from the root: input nodes get this run's gradients, parameter slots accumulate. */
static inline int32_t wasmgrad_programRun(wasmgrad_instance* m, int32_t id) { return (int32_t)WASMGRAD_EXPORT(programRun)(m, (uint32_t)id); }
/** Zeroes the program's parameters' gradients, runs, then slot -= lr * grad for each. */
static inline int32_t wasmgrad_programStep(wasmgrad_instance* m, int32_t id, double lr) {
  return (int32_t)WASMGRAD_EXPORT(programStep)(m, (uint32_t)id, lr);
}
/** Input k is node k. */
static inline int32_t wasmgrad_programSetInput(wasmgrad_instance* m, int32_t id, int32_t k, double value) {
  return (int32_t)WASMGRAD_EXPORT(programSetInput)(m, (uint32_t)id, (uint32_t)k, value);
}
static inline double wasmgrad_programValue(wasmgrad_instance* m, int32_t id, int32_t node) {
  return WASMGRAD_EXPORT(programValue)(m, (uint32_t)id, (uint32_t)node);
}
static inline double wasmgrad_programGrad(wasmgrad_instance* m, int32_t id, int32_t node) {
  return WASMGRAD_EXPORT(programGrad)(m, (uint32_t)id, (uint32_t)node);
}
static inline int32_t wasmgrad_programNodeCount(wasmgrad_instance* m, int32_t id) { return (int32_t)WASMGRAD_EXPORT(programNodeCount)(m, (uint32_t)id); }
static inline int32_t wasmgrad_programInputCount(wasmgrad_instance* m, int32_t id) { return (int32_t)WASMGRAD_EXPORT(programInputCount)(m, (uint32_t)id); }
static inline int32_t wasmgrad_programRoot(wasmgrad_instance* m, int32_t id) { return (int32_t)WASMGRAD_EXPORT(programRoot)(m, (uint32_t)id); }
static inline int32_t wasmgrad_programSlotCount(wasmgrad_instance* m, int32_t id) { return (int32_t)WASMGRAD_EXPORT(programSlotCount)(m, (uint32_t)id); }
/** The k-th parameter slot the program reads (ascending; for a loaded program, file parameter k). */
static inline int32_t wasmgrad_programSlot(wasmgrad_instance* m, int32_t id, int32_t k) {
  return (int32_t)WASMGRAD_EXPORT(programSlot)(m, (uint32_t)id, (uint32_t)k);
}
/* The program's arrays (same layout as the eager tape's), fixed for the program's life; 0 for a bad id. */
static inline uint32_t wasmgrad_programValuesPointer(wasmgrad_instance* m, int32_t id) { return WASMGRAD_EXPORT(programValuesPointer)(m, (uint32_t)id); }
static inline uint32_t wasmgrad_programGradsPointer(wasmgrad_instance* m, int32_t id) { return WASMGRAD_EXPORT(programGradsPointer)(m, (uint32_t)id); }
static inline uint32_t wasmgrad_programOpsPointer(wasmgrad_instance* m, int32_t id) { return WASMGRAD_EXPORT(programOpsPointer)(m, (uint32_t)id); }
static inline uint32_t wasmgrad_programInputsAPointer(wasmgrad_instance* m, int32_t id) { return WASMGRAD_EXPORT(programInputsAPointer)(m, (uint32_t)id); }
static inline uint32_t wasmgrad_programInputsBPointer(wasmgrad_instance* m, int32_t id) { return WASMGRAD_EXPORT(programInputsBPointer)(m, (uint32_t)id); }

/* Host buffers in linear memory (e.g. the bytes of a program to load) */
/** A block of `bytes` bytes; returns its byte offset. May grow memory. */
static inline uint32_t wasmgrad_alloc(wasmgrad_instance* m, uint32_t bytes) { return WASMGRAD_EXPORT(alloc)(m, bytes); }
/** Frees a block from wasmgrad_alloc(); -1 for any other pointer. */
static inline int32_t wasmgrad_free(wasmgrad_instance* m, uint32_t ptr) { return (int32_t)WASMGRAD_EXPORT(free)(m, ptr); }
/** Bytes in the heap's live blocks outside the tensor arena: what persists across resets (tapes, parameters, slots, programs, host blocks, tables). */
static inline double wasmgrad_heapBytes(wasmgrad_instance* m) { return WASMGRAD_EXPORT(heapBytes)(m); }

/*
 * Tensors (docs/abi.md, "Tensors"): n-d f32/f64 (and int32 index) tensors on a
 * tape of their own, in the same instance. Arrays are written into the staging
 * area before the call that reads them; elements are read and written in place.
 */
/* Staging area and building (each returns a tensor id, or -1) */
/** Byte offset of the staging area: i32s the host writes before calls that read arrays (shapes, axes, bounds, slot lists). */
static inline uint32_t wasmgrad_tensorStage(wasmgrad_instance* m) { return WASMGRAD_EXPORT(tensorStage)(m); }
/** Capacity of the staging area in i32s (1024). */
static inline int32_t wasmgrad_tensorStageInts(wasmgrad_instance* m) { return (int32_t)WASMGRAD_EXPORT(tensorStageInts)(m); }
/** Staged: shape. A LEAF (requiresGrad) or CONST tensor; write its elements at wasmgrad_tensorData() afterwards. */
static inline int32_t wasmgrad_tensorFromData(wasmgrad_instance* m, int32_t dtype, int32_t rank, int32_t requiresGrad) { return (int32_t)WASMGRAD_EXPORT(tensorFromData)(m, (uint32_t)dtype, (uint32_t)rank, (uint32_t)requiresGrad); }
/** Staged: shape. A constant filled with value. */
static inline int32_t wasmgrad_tensorFull(wasmgrad_instance* m, int32_t dtype, int32_t rank, double value) { return (int32_t)WASMGRAD_EXPORT(tensorFull)(m, (uint32_t)dtype, (uint32_t)rank, value); }
/**
 * Every tensor op: records a node of kind (enum wasmgrad_node_kind, one with
 * inputs: UNARY ... CROSS_ENTROPY) on the tensors a, b, c, as many as
 * wasmgrad_tensorKindArity(kind), and -1 for the rest. Stage the kind's
 * attributes first, each at its word of enum wasmgrad_attr (an i32[]: its
 * length, then its entries; an f64: at byte 4 * word). For example
 *   int32_t* s = (int32_t*)(wasmgrad_memory(m) + wasmgrad_tensorStage(m));
 *   s[WASMGRAD_ATTR_MATMUL_TRANS_A] = 0; s[WASMGRAD_ATTR_MATMUL_TRANS_B] = 1;
 *   int32_t y = wasmgrad_tensorRun(m, WASMGRAD_NODE_MATMUL, x, w, -1);
 * docs/abi.md ("tensorRun") lists what each kind computes and checks.
 */
static inline int32_t wasmgrad_tensorRun(wasmgrad_instance* m, int32_t kind, int32_t a, int32_t b, int32_t c) { return (int32_t)WASMGRAD_EXPORT(tensorRun)(m, (uint32_t)kind, (uint32_t)a, (uint32_t)b, (uint32_t)c); }
/* Reading tensors */
/** Tensor nodes on the tape. */
static inline int32_t wasmgrad_tensorCount(wasmgrad_instance* m) { return (int32_t)WASMGRAD_EXPORT(tensorCount)(m); }
static inline int32_t wasmgrad_tensorRank(wasmgrad_instance* m, int32_t id) { return (int32_t)WASMGRAD_EXPORT(tensorRank)(m, (uint32_t)id); }
static inline int32_t wasmgrad_tensorDim(wasmgrad_instance* m, int32_t id, int32_t d) { return (int32_t)WASMGRAD_EXPORT(tensorDim)(m, (uint32_t)id, (uint32_t)d); }
static inline int32_t wasmgrad_tensorSize(wasmgrad_instance* m, int32_t id) { return (int32_t)WASMGRAD_EXPORT(tensorSize)(m, (uint32_t)id); }
/** WASMGRAD_DTYPE_* */
static inline int32_t wasmgrad_tensorDType(wasmgrad_instance* m, int32_t id) { return (int32_t)WASMGRAD_EXPORT(tensorDType)(m, (uint32_t)id); }
/** The node kind (enum wasmgrad_node_kind). */
static inline int32_t wasmgrad_tensorOp(wasmgrad_instance* m, int32_t id) { return (int32_t)WASMGRAD_EXPORT(tensorOp)(m, (uint32_t)id); }
/** Input k (0..2) of the node, -1 where its kind has fewer. */
static inline int32_t wasmgrad_tensorInput(wasmgrad_instance* m, int32_t id, int32_t k) { return (int32_t)WASMGRAD_EXPORT(tensorInput)(m, (uint32_t)id, (uint32_t)k); }
/** The node kind, with its attributes written to the stage in the layout wasmgrad_tensorRun() reads. */
static inline int32_t wasmgrad_tensorNodeInfo(wasmgrad_instance* m, int32_t id) { return (int32_t)WASMGRAD_EXPORT(tensorNodeInfo)(m, (uint32_t)id); }
static inline int32_t wasmgrad_tensorRequiresGrad(wasmgrad_instance* m, int32_t id) { return (int32_t)WASMGRAD_EXPORT(tensorRequiresGrad)(m, (uint32_t)id); }
/** Byte offset of the elements; 0 for a bad id. */
static inline uint32_t wasmgrad_tensorData(wasmgrad_instance* m, int32_t id) { return WASMGRAD_EXPORT(tensorData)(m, (uint32_t)id); }
/** Byte offset of the gradient, 0 if backward never reached the node. */
static inline uint32_t wasmgrad_tensorGrad(wasmgrad_instance* m, int32_t id) { return WASMGRAD_EXPORT(tensorGrad)(m, (uint32_t)id); }
/* Tensor gradients and lifetime */
/** Reverse sweep from a size-1 tensor that requires grad. 0 or -1. */
static inline int32_t wasmgrad_tensorBackward(wasmgrad_instance* m, int32_t root) { return (int32_t)WASMGRAD_EXPORT(tensorBackward)(m, (uint32_t)root); }
/** Every tensor node's and slot's gradient to 0. */
static inline void wasmgrad_tensorClearGrads(wasmgrad_instance* m) { WASMGRAD_EXPORT(tensorClearGrads)(m); }
/** Frees every tensor node in O(1); slots stay. */
static inline void wasmgrad_tensorReset(wasmgrad_instance* m) { WASMGRAD_EXPORT(tensorReset)(m); }
/** Bytes held for tensors (arena and slots). */
static inline double wasmgrad_tensorBytes(wasmgrad_instance* m) { return WASMGRAD_EXPORT(tensorBytes)(m); }
/** Arena bytes handed out since the last tensorReset(): this generation's node data and gradients. */
static inline double wasmgrad_tensorArenaUsed(wasmgrad_instance* m) { return WASMGRAD_EXPORT(tensorArenaUsed)(m); }
/** The most arena bytes any generation has had. */
static inline double wasmgrad_tensorArenaPeak(wasmgrad_instance* m) { return WASMGRAD_EXPORT(tensorArenaPeak)(m); }
/* Slots: persistent tensors (parameters, kept tensors, optimizer state) */
/** Staged: shape. Zeroed. */
static inline int32_t wasmgrad_slotCreate(wasmgrad_instance* m, int32_t dtype, int32_t rank, int32_t requiresGrad) { return (int32_t)WASMGRAD_EXPORT(slotCreate)(m, (uint32_t)dtype, (uint32_t)rank, (uint32_t)requiresGrad); }
/** A new slot holding a copy of tensor id. */
static inline int32_t wasmgrad_slotKeep(wasmgrad_instance* m, int32_t id, int32_t requiresGrad) { return (int32_t)WASMGRAD_EXPORT(slotKeep)(m, (uint32_t)id, (uint32_t)requiresGrad); }
/** A PARAM tensor node aliasing the slot's data and gradient. */
static inline int32_t wasmgrad_slotNode(wasmgrad_instance* m, int32_t slot) { return (int32_t)WASMGRAD_EXPORT(slotNode)(m, (uint32_t)slot); }
static inline int32_t wasmgrad_slotCount(wasmgrad_instance* m) { return (int32_t)WASMGRAD_EXPORT(slotCount)(m); }
/** Slots created and not freed (slotCount counts freed ones too). */
static inline int32_t wasmgrad_slotLiveCount(wasmgrad_instance* m) { return (int32_t)WASMGRAD_EXPORT(slotLiveCount)(m); }
static inline uint32_t wasmgrad_slotData(wasmgrad_instance* m, int32_t slot) { return WASMGRAD_EXPORT(slotData)(m, (uint32_t)slot); }
/** 0 if the slot has no gradient. */
static inline uint32_t wasmgrad_slotGrad(wasmgrad_instance* m, int32_t slot) { return WASMGRAD_EXPORT(slotGrad)(m, (uint32_t)slot); }
static inline int32_t wasmgrad_slotSize(wasmgrad_instance* m, int32_t slot) { return (int32_t)WASMGRAD_EXPORT(slotSize)(m, (uint32_t)slot); }
static inline int32_t wasmgrad_slotDType(wasmgrad_instance* m, int32_t slot) { return (int32_t)WASMGRAD_EXPORT(slotDType)(m, (uint32_t)slot); }
static inline int32_t wasmgrad_slotRank(wasmgrad_instance* m, int32_t slot) { return (int32_t)WASMGRAD_EXPORT(slotRank)(m, (uint32_t)slot); }
static inline int32_t wasmgrad_slotDim(wasmgrad_instance* m, int32_t slot, int32_t d) { return (int32_t)WASMGRAD_EXPORT(slotDim)(m, (uint32_t)slot, (uint32_t)d); }
static inline int32_t wasmgrad_slotClearGrad(wasmgrad_instance* m, int32_t slot) { return (int32_t)WASMGRAD_EXPORT(slotClearGrad)(m, (uint32_t)slot); }
/** slotNode refuses the slot from now on; its memory is released at the next tensorReset() (PARAM nodes on the tape alias it until then). */
static inline int32_t wasmgrad_slotFree(wasmgrad_instance* m, int32_t slot) { return (int32_t)WASMGRAD_EXPORT(slotFree)(m, (uint32_t)slot); }
/** Staged: count parameter slots, then (momentum != 0) count velocity slots. PyTorch's SGD. */
static inline int32_t wasmgrad_sgdStep(wasmgrad_instance* m, int32_t count, double lr, double momentum, double weightDecay, int32_t firstStep) { return (int32_t)WASMGRAD_EXPORT(sgdStep)(m, (uint32_t)count, lr, momentum, weightDecay, (uint32_t)firstStep); }
/** Staged: count parameter slots, count first-moment slots, count second-moment slots. Adam, or AdamW when decoupled. */
static inline int32_t wasmgrad_adamStep(wasmgrad_instance* m, int32_t count, double lr, double beta1, double beta2, double eps, double weightDecay, int32_t decoupled, int32_t step) { return (int32_t)WASMGRAD_EXPORT(adamStep)(m, (uint32_t)count, lr, beta1, beta2, eps, weightDecay, (uint32_t)decoupled, (uint32_t)step); }
static inline int32_t wasmgrad_sgdMomentumStep(wasmgrad_instance* m, int32_t count, double lr, double momentum, double dampening, double weightDecay, int32_t nesterov, int32_t firstStep) { return (int32_t)WASMGRAD_EXPORT(sgdMomentumStep)(m, (uint32_t)count, lr, momentum, dampening, weightDecay, (uint32_t)nesterov, (uint32_t)firstStep); }
static inline int32_t wasmgrad_rmspropStep(wasmgrad_instance* m, int32_t count, double lr, double alpha, double eps, double weightDecay, double momentum, int32_t centered) { return (int32_t)WASMGRAD_EXPORT(rmspropStep)(m, (uint32_t)count, lr, alpha, eps, weightDecay, momentum, (uint32_t)centered); }
static inline int32_t wasmgrad_adagradStep(wasmgrad_instance* m, int32_t count, double lr, double weightDecay, double eps) { return (int32_t)WASMGRAD_EXPORT(adagradStep)(m, (uint32_t)count, lr, weightDecay, eps); }

/** The features this build was compiled with: bit 0 SIMD, bit 1 relaxed SIMD (0 for build/wasmgrad.wasm, the one wasm2c takes). */
static inline int32_t wasmgrad_wasmFeatures(wasmgrad_instance* m) { return (int32_t)WASMGRAD_EXPORT(wasmFeatures)(m); }

/** Builds and checks the seed example on a fresh tape: WASMGRAD_SELFTEST_OK or the index of the first wrong number. Resets the tape. */
static inline int32_t wasmgrad_selfTest(wasmgrad_instance* m) { return (int32_t)WASMGRAD_EXPORT(selfTest)(m); }

#ifdef __cplusplus
}
#endif

#endif /* WASMGRAD_ABI_ONLY */
#endif /* WASMGRAD_H */
