// See include/CHostFP.h for the contract. Written for Chimera from the IEEE
// 754-2008 and Intel SDM (MXCSR) definitions; the ARM-specific behaviour
// (tininess before rounding, FZ flushing without inexact) comes from the
// ARM ARM's FPRound pseudocode and is selected by control bits.
#include "CHostFP.h"

#include <float.h>
#include <math.h>

#pragma STDC FENV_ACCESS ON

// ---------------------------------------------------------------------------
// Host floating-point state: enter sets the requested rounding with cleared
// flags and all exceptions masked, leave returns the raised flags and
// restores what the caller had.

#if defined(__x86_64__) || defined(__i386__)

typedef uint32_t host_state;

static inline uint32_t read_mxcsr(void) {
    uint32_t v;
    __asm__ volatile("stmxcsr %0" : "=m"(v) : : "memory");
    return v;
}

static inline void write_mxcsr(uint32_t v) {
    __asm__ volatile("ldmxcsr %0" : : "m"(v) : "memory");
}

static inline host_state host_enter(uint32_t control) {
    host_state saved = read_mxcsr();
    // MXCSR.RC is 00 nearest, 01 down, 10 up, 11 zero: our up/down swapped.
    uint32_t m = control & CHFP_ROUND_MASK;
    uint32_t rc = ((m & 1u) << 1) | (m >> 1);
    write_mxcsr(0x1F80u | rc << 13);    // all exceptions masked, no FTZ/DAZ, flags clear
    return saved;
}

static inline uint32_t host_leave(host_state saved) {
    uint32_t csr = read_mxcsr();
    write_mxcsr(saved);
    uint32_t f = 0;
    if (csr & 0x01u) f |= CHFP_INVALID;
    if (csr & 0x04u) f |= CHFP_DIVBYZERO;
    if (csr & 0x08u) f |= CHFP_OVERFLOW;
    if (csr & 0x10u) f |= CHFP_UNDERFLOW;
    if (csr & 0x20u) f |= CHFP_INEXACT;
    return f;
}

#else

#include <fenv.h>

typedef fenv_t host_state;

static inline host_state host_enter(uint32_t control) {
    host_state saved;
    feholdexcept(&saved);       // saves, clears flags, masks traps
    switch (control & CHFP_ROUND_MASK) {
    case CHFP_ROUND_UP: fesetround(FE_UPWARD); break;
    case CHFP_ROUND_DOWN: fesetround(FE_DOWNWARD); break;
    case CHFP_ROUND_ZERO: fesetround(FE_TOWARDZERO); break;
    default: fesetround(FE_TONEAREST); break;
    }
    return saved;
}

static inline uint32_t host_leave(host_state saved) {
    int e = fetestexcept(FE_ALL_EXCEPT);
    fesetenv(&saved);
    uint32_t f = 0;
    if (e & FE_INVALID) f |= CHFP_INVALID;
    if (e & FE_DIVBYZERO) f |= CHFP_DIVBYZERO;
    if (e & FE_OVERFLOW) f |= CHFP_OVERFLOW;
    if (e & FE_UNDERFLOW) f |= CHFP_UNDERFLOW;
    if (e & FE_INEXACT) f |= CHFP_INEXACT;
    return f;
}

#endif

// Keeps the compiler from computing a value before the mode switch or using
// it after the restore: the value passes through memory inside a volatile asm.
#define PIN(x) __asm__ volatile("" : "+m"(x) : : "memory")

enum { OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_SQRT, OP_FMA };

static inline double compute64(int op, double a, double b, double c) {
    switch (op) {
    case OP_ADD: return a + b;
    case OP_SUB: return a - b;
    case OP_MUL: return a * b;
    case OP_DIV: return a / b;
    case OP_SQRT: return sqrt(a);
    default: return fma(a, b, c);
    }
}

static inline float compute32(int op, float a, float b, float c) {
    switch (op) {
    case OP_ADD: return a + b;
    case OP_SUB: return a - b;
    case OP_MUL: return a * b;
    case OP_DIV: return a / b;
    case OP_SQRT: return sqrtf(a);
    default: return fmaf(a, b, c);
    }
}

static inline double flush_in64(double x, uint32_t *f) {
    if (fpclassify(x) == FP_SUBNORMAL) { *f |= CHFP_DENORMAL; return copysign(0.0, x); }
    return x;
}

static inline float flush_in32(float x, uint32_t *f) {
    if (fpclassify(x) == FP_SUBNORMAL) { *f |= CHFP_DENORMAL; return copysignf(0.0f, x); }
    return x;
}

// Tininess and flushing, shared by both formats. `mag` is |result|, `min` the
// smallest normal, `rz_mag` computes |result| again rounded toward zero (only
// called when the result is exactly the smallest normal and inexact: then the
// exact value was tiny iff truncation gives a subnormal). Returns 1 when the
// caller must replace the result by a zero of its sign.
#define TINY_CHECK(mag, min, rz_mag_expr, control, f, flush_out)                      \
    do {                                                                              \
        flush_out = 0;                                                                \
        if ((mag) <= (min) && ((control) & (CHFP_FLUSH_OUTPUTS | CHFP_TININESS_BEFORE_ROUNDING))) { \
            int tiny = ((f) & CHFP_UNDERFLOW) || ((mag) != 0 && (mag) < (min));        \
            if (!tiny && (mag) == (min) && ((f) & CHFP_INEXACT)                       \
                && ((control) & CHFP_TININESS_BEFORE_ROUNDING)) {                     \
                if ((rz_mag_expr) < (min)) tiny = 1;                                  \
            }                                                                         \
            if (tiny) {                                                               \
                if ((control) & CHFP_FLUSH_OUTPUTS) {                                 \
                    flush_out = 1;                                                    \
                    f = ((f) & ~CHFP_INEXACT) | CHFP_UNDERFLOW                        \
                        | (((control) & CHFP_FLUSH_RAISES_INEXACT) ? CHFP_INEXACT : 0); \
                } else if ((f) & CHFP_INEXACT) {                                      \
                    f |= CHFP_UNDERFLOW;                                              \
                }                                                                     \
            }                                                                         \
        }                                                                             \
    } while (0)

static inline double run64_raw(int op, double a, double b, double c, uint32_t control, uint32_t *f) {
    host_state s = host_enter(control);
    PIN(a); PIN(b); PIN(c);
    double r = compute64(op, a, b, c);
    PIN(r);
    *f |= host_leave(s);
    return r;
}

static inline float run32_raw(int op, float a, float b, float c, uint32_t control, uint32_t *f) {
    host_state s = host_enter(control);
    PIN(a); PIN(b); PIN(c);
    float r = compute32(op, a, b, c);
    PIN(r);
    *f |= host_leave(s);
    return r;
}

static inline double run64(int op, double a, double b, double c, uint32_t control, uint32_t *flags) {
    uint32_t f = 0;
    if (control & CHFP_FLUSH_INPUTS) { a = flush_in64(a, &f); b = flush_in64(b, &f); c = flush_in64(c, &f); }
    double r = run64_raw(op, a, b, c, control, &f);
    double mag = fabs(r);
    int flush;
    uint32_t ignored = 0;
    TINY_CHECK(mag, DBL_MIN,
               fabs(run64_raw(op, a, b, c, (control & ~(uint32_t)CHFP_ROUND_MASK) | CHFP_ROUND_ZERO, &ignored)),
               control, f, flush);
    if (flush) r = copysign(0.0, r);
    *flags |= f;
    return r;
}

static inline float run32(int op, float a, float b, float c, uint32_t control, uint32_t *flags) {
    uint32_t f = 0;
    if (control & CHFP_FLUSH_INPUTS) { a = flush_in32(a, &f); b = flush_in32(b, &f); c = flush_in32(c, &f); }
    float r = run32_raw(op, a, b, c, control, &f);
    float mag = fabsf(r);
    int flush;
    uint32_t ignored = 0;
    TINY_CHECK(mag, FLT_MIN,
               fabsf(run32_raw(op, a, b, c, (control & ~(uint32_t)CHFP_ROUND_MASK) | CHFP_ROUND_ZERO, &ignored)),
               control, f, flush);
    if (flush) r = copysignf(0.0f, r);
    *flags |= f;
    return r;
}

double chfp_f64_add(double a, double b, uint32_t control, uint32_t *flags) { return run64(OP_ADD, a, b, 0, control, flags); }
double chfp_f64_sub(double a, double b, uint32_t control, uint32_t *flags) { return run64(OP_SUB, a, b, 0, control, flags); }
double chfp_f64_mul(double a, double b, uint32_t control, uint32_t *flags) { return run64(OP_MUL, a, b, 0, control, flags); }
double chfp_f64_div(double a, double b, uint32_t control, uint32_t *flags) { return run64(OP_DIV, a, b, 0, control, flags); }
double chfp_f64_sqrt(double a, uint32_t control, uint32_t *flags) { return run64(OP_SQRT, a, 0, 0, control, flags); }
double chfp_f64_fma(double a, double b, double c, uint32_t control, uint32_t *flags) { return run64(OP_FMA, a, b, c, control, flags); }

float chfp_f32_add(float a, float b, uint32_t control, uint32_t *flags) { return run32(OP_ADD, a, b, 0, control, flags); }
float chfp_f32_sub(float a, float b, uint32_t control, uint32_t *flags) { return run32(OP_SUB, a, b, 0, control, flags); }
float chfp_f32_mul(float a, float b, uint32_t control, uint32_t *flags) { return run32(OP_MUL, a, b, 0, control, flags); }
float chfp_f32_div(float a, float b, uint32_t control, uint32_t *flags) { return run32(OP_DIV, a, b, 0, control, flags); }
float chfp_f32_sqrt(float a, uint32_t control, uint32_t *flags) { return run32(OP_SQRT, a, 0, 0, control, flags); }
float chfp_f32_fma(float a, float b, float c, uint32_t control, uint32_t *flags) { return run32(OP_FMA, a, b, c, control, flags); }

// Packed lanes: one mode switch for all of them. Without output flushing or
// tininess before rounding, run32/run64 are exactly run*_raw after input
// flushing, so only the merged flags differ from n single calls — which is all
// the caller asked for. Otherwise a lane at or below the smallest normal sends
// the caller back to the single-lane path.

int chfp_f32_lanes(int op, const float *a, const float *b, float *r, int n, uint32_t control, uint32_t *flags) {
    float x[4] = {0}, y[4] = {0}, v[4] = {0};
    uint32_t f = 0;
    if (n < 0) n = 0;
    if (n > 4) n = 4;
    for (int i = 0; i < n; i++) {
        x[i] = a[i];
        y[i] = op == OP_SQRT ? 0.0f : b[i];
        if (control & CHFP_FLUSH_INPUTS) { x[i] = flush_in32(x[i], &f); y[i] = flush_in32(y[i], &f); }
    }
    host_state s = host_enter(control);
    for (int i = 0; i < n; i++) {
        float p = x[i], q = y[i];
        PIN(p); PIN(q);
        float t = compute32(op, p, q, 0.0f);
        PIN(t);
        v[i] = t;
    }
    f |= host_leave(s);
    if (control & (CHFP_FLUSH_OUTPUTS | CHFP_TININESS_BEFORE_ROUNDING)) {
        for (int i = 0; i < n; i++) if (fabsf(v[i]) <= FLT_MIN) return 0;
    }
    for (int i = 0; i < n; i++) r[i] = v[i];
    *flags |= f;
    return 1;
}

int chfp_f64_lanes(int op, const double *a, const double *b, double *r, int n, uint32_t control, uint32_t *flags) {
    double x[4] = {0}, y[4] = {0}, v[4] = {0};
    uint32_t f = 0;
    if (n < 0) n = 0;
    if (n > 4) n = 4;
    for (int i = 0; i < n; i++) {
        x[i] = a[i];
        y[i] = op == OP_SQRT ? 0.0 : b[i];
        if (control & CHFP_FLUSH_INPUTS) { x[i] = flush_in64(x[i], &f); y[i] = flush_in64(y[i], &f); }
    }
    host_state s = host_enter(control);
    for (int i = 0; i < n; i++) {
        double p = x[i], q = y[i];
        PIN(p); PIN(q);
        double t = compute64(op, p, q, 0.0);
        PIN(t);
        v[i] = t;
    }
    f |= host_leave(s);
    if (control & (CHFP_FLUSH_OUTPUTS | CHFP_TININESS_BEFORE_ROUNDING)) {
        for (int i = 0; i < n; i++) if (fabs(v[i]) <= DBL_MIN) return 0;
    }
    for (int i = 0; i < n; i++) r[i] = v[i];
    *flags |= f;
    return 1;
}

static inline float narrow_raw(double a, uint32_t control, uint32_t *f) {
    host_state s = host_enter(control);
    PIN(a);
    float r = (float)a;
    PIN(r);
    *f |= host_leave(s);
    return r;
}

float chfp_f64_to_f32(double a, uint32_t control, uint32_t *flags) {
    uint32_t f = 0;
    if (control & CHFP_FLUSH_INPUTS) a = flush_in64(a, &f);
    float r = narrow_raw(a, control, &f);
    float mag = fabsf(r);
    int flush;
    uint32_t ignored = 0;
    TINY_CHECK(mag, FLT_MIN, fabsf(narrow_raw(a, (control & ~(uint32_t)CHFP_ROUND_MASK) | CHFP_ROUND_ZERO, &ignored)),
               control, f, flush);
    if (flush) r = copysignf(0.0f, r);
    *flags |= f;
    return r;
}

double chfp_f32_to_f64(float a, uint32_t control, uint32_t *flags) {
    uint32_t f = 0;
    if (control & CHFP_FLUSH_INPUTS) a = flush_in32(a, &f);
    host_state s = host_enter(control);
    PIN(a);
    double r = (double)a;      // exact; raises invalid for a signalling NaN
    PIN(r);
    f |= host_leave(s);
    *flags |= f;
    return r;
}

// Integer conversions cannot produce tiny results: only rounding and inexact.
// Unsigned 64-bit values at or above 2^63 are halved with the lost bit kept
// as a sticky bit (it lies far below the rounding position, so the rounding
// direction is unchanged) and doubled exactly afterwards.

double chfp_i64_to_f64(int64_t a, uint32_t control, uint32_t *flags) {
    host_state s = host_enter(control);
    PIN(a);
    double r = (double)a;
    PIN(r);
    *flags |= host_leave(s);
    return r;
}

double chfp_u64_to_f64(uint64_t a, uint32_t control, uint32_t *flags) {
    int big = (a >> 63) != 0;
    int64_t v = big ? (int64_t)((a >> 1) | (a & 1)) : (int64_t)a;
    host_state s = host_enter(control);
    PIN(v);
    double r = (double)v;
    PIN(r);
    *flags |= host_leave(s);
    return big ? r * 2.0 : r;
}

float chfp_i64_to_f32(int64_t a, uint32_t control, uint32_t *flags) {
    host_state s = host_enter(control);
    PIN(a);
    float r = (float)a;
    PIN(r);
    *flags |= host_leave(s);
    return r;
}

float chfp_u64_to_f32(uint64_t a, uint32_t control, uint32_t *flags) {
    int big = (a >> 63) != 0;
    int64_t v = big ? (int64_t)((a >> 1) | (a & 1)) : (int64_t)a;
    host_state s = host_enter(control);
    PIN(v);
    float r = (float)v;
    PIN(r);
    *flags |= host_leave(s);
    return big ? r * 2.0f : r;
}
