// CHostFP: IEEE 754 binary32/binary64 operations with an explicit rounding
// mode, explicit flush-to-zero behaviour and the exception flags they raise,
// computed by the host FPU.
//
// Architecture-neutral contract (used by the AArch64 core for FPCR/FPSR and
// meant for the x86 core's MXCSR as well):
//
//   result = chfp_<fmt>_<op>(operands..., control, &flags)
//
// * `control` (CHFP_* control bits below): the rounding direction, whether
//   subnormal inputs are replaced by zeros of the same sign (ARM FPCR.FZ on
//   inputs, x86 MXCSR.DAZ), whether tiny results are replaced by zeros of the
//   same sign (ARM FPCR.FZ on outputs, x86 MXCSR.FTZ), when tininess is
//   detected (ARM: before rounding; x86 and the host SSE unit: after rounding)
//   and whether a flushed result also signals inexact (x86 FTZ does, ARM FZ
//   does not).
// * `flags` is OR-ed with the CHFP_* exception flags the operation raised; it
//   is never cleared, so a caller can accumulate like a sticky status register.
// * NaN operands: the host's NaN is returned (quieted first operand on x86);
//   callers with their own NaN rules (ARM FPProcessNaNs, default NaN) handle
//   NaN operands before calling and treat a NaN result of non-NaN operands
//   as their default NaN. Invalid operations raise CHFP_INVALID.
// * Underflow is signalled for a tiny result only when it is also inexact
//   (the IEEE default with the underflow exception masked), or whenever a
//   tiny result is flushed.
//
// Every call saves the host rounding/exception state (x86-64: MXCSR), runs the
// operation under the requested mode with cleared flags, reads the flags and
// restores the saved state before returning. There is no global, static or
// thread-local state. The file is compiled with -ffp-model=strict so the
// compiler neither folds nor moves the operations across the mode switches.
#ifndef CHIMERA_CHOSTFP_H
#define CHIMERA_CHOSTFP_H

#include <stdint.h>

/// Rounding directions (bits 1:0 of `control`); the order is ARM FPCR.RMode's.
enum {
    CHFP_ROUND_NEAREST_EVEN = 0,
    CHFP_ROUND_UP = 1,              ///< toward +infinity
    CHFP_ROUND_DOWN = 2,            ///< toward -infinity
    CHFP_ROUND_ZERO = 3,
    CHFP_ROUND_MASK = 3,
    /// Subnormal inputs become zeros of the same sign and raise CHFP_DENORMAL.
    CHFP_FLUSH_INPUTS = 1u << 2,
    /// Tiny non-zero results become zeros of the same sign and raise CHFP_UNDERFLOW.
    CHFP_FLUSH_OUTPUTS = 1u << 3,
    /// Tininess is detected on the exact result (ARM) instead of after rounding (x86).
    CHFP_TININESS_BEFORE_ROUNDING = 1u << 4,
    /// A flushed result also raises CHFP_INEXACT (x86 FTZ); ARM FZ does not.
    CHFP_FLUSH_RAISES_INEXACT = 1u << 5,
};

/// Exception flags OR-ed into `*flags` (IEEE 754 order, then input-denormal).
enum {
    CHFP_INVALID = 1u << 0,
    CHFP_DIVBYZERO = 1u << 1,
    CHFP_OVERFLOW = 1u << 2,
    CHFP_UNDERFLOW = 1u << 3,
    CHFP_INEXACT = 1u << 4,
    /// A subnormal input was flushed to zero (only with CHFP_FLUSH_INPUTS).
    CHFP_DENORMAL = 1u << 5,
};

double chfp_f64_add(double a, double b, uint32_t control, uint32_t *flags);
double chfp_f64_sub(double a, double b, uint32_t control, uint32_t *flags);
double chfp_f64_mul(double a, double b, uint32_t control, uint32_t *flags);
double chfp_f64_div(double a, double b, uint32_t control, uint32_t *flags);
double chfp_f64_sqrt(double a, uint32_t control, uint32_t *flags);
/// a * b + c with a single rounding.
double chfp_f64_fma(double a, double b, double c, uint32_t control, uint32_t *flags);

float chfp_f32_add(float a, float b, uint32_t control, uint32_t *flags);
float chfp_f32_sub(float a, float b, uint32_t control, uint32_t *flags);
float chfp_f32_mul(float a, float b, uint32_t control, uint32_t *flags);
float chfp_f32_div(float a, float b, uint32_t control, uint32_t *flags);
float chfp_f32_sqrt(float a, uint32_t control, uint32_t *flags);
float chfp_f32_fma(float a, float b, float c, uint32_t control, uint32_t *flags);

/// Up to four independent lanes under one mode switch (packed SIMD operations):
/// r[i] = a[i] op b[i] for i < n (n <= 4), with `op` 0 add, 1 sub, 2 mul, 3 div,
/// 4 square root of a[i] (b unused). The lanes' flags are OR-ed together into
/// `*flags`. Returns 1 on success; returns 0 and leaves `*flags` untouched when a
/// lane needs the single-operation functions (a result at or below the smallest
/// normal while output flushing or tininess before rounding is requested). Input
/// flushing applies as in the single-operation functions.
int chfp_f32_lanes(int op, const float *a, const float *b, float *r, int n, uint32_t control, uint32_t *flags);
int chfp_f64_lanes(int op, const double *a, const double *b, double *r, int n, uint32_t control, uint32_t *flags);

/// binary64 -> binary32, rounded (output flushing applies).
float chfp_f64_to_f32(double a, uint32_t control, uint32_t *flags);
/// binary32 -> binary64, exact (input flushing applies).
double chfp_f32_to_f64(float a, uint32_t control, uint32_t *flags);

/// Integer -> floating point, rounded.
double chfp_i64_to_f64(int64_t a, uint32_t control, uint32_t *flags);
double chfp_u64_to_f64(uint64_t a, uint32_t control, uint32_t *flags);
float chfp_i64_to_f32(int64_t a, uint32_t control, uint32_t *flags);
float chfp_u64_to_f32(uint64_t a, uint32_t control, uint32_t *flags);

#endif
