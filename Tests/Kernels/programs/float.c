/*
 * float.c - single and double precision arithmetic, Newton square roots,
 * int<->float conversions, rounding, comparisons (incl. NaN and -0.0), %f output.
 * Built with -ffp-contract=off so no FMA is formed and results are identical
 * on every IEEE-754 machine.
 */
#include "kernel.h"

static int failures;

static void check(const char *what, int ok) {
    kprintf("float: %-28s %s\n", what, ok ? "ok" : "FAIL");
    if (!ok) failures++;
}

/* Inputs come through volatiles so the arithmetic happens at run time. */
static volatile double vzero = 0.0;
static volatile double vtwo = 2.0;
static volatile float vthird = 1.0f / 3.0f;

static uint64_t dbits(double d) {
    uint64_t b;
    memcpy(&b, &d, sizeof b);
    return b;
}

static double fabs_d(double x) { return x < 0 ? -x : x; }

static double newton_sqrt(double a) {
    if (a <= 0) return 0;
    double x = a >= 1 ? a : 1.0;
    for (int i = 0; i < 200; i++) {
        double next = 0.5 * (x + a / x);
        if (next == x) break;
        x = next;
    }
    /* the iteration can oscillate between two neighbours: pick the better one */
    double lo = x, hi = 0.5 * (x + a / x);
    return fabs_d(lo * lo - a) <= fabs_d(hi * hi - a) ? lo : hi;
}

static float newton_sqrtf(float a) {
    float x = a >= 1 ? a : 1.0f;
    for (int i = 0; i < 100; i++) {
        float next = 0.5f * (x + a / x);
        if (next == x) break;
        x = next;
    }
    return x;
}

/* floor/ceil/round implemented with conversions (valid for |x| < 2^62). */
static double my_floor(double x) {
    double t = (double)(int64_t)x;
    return t > x ? t - 1.0 : t;
}
static double my_ceil(double x) {
    double t = (double)(int64_t)x;
    return t < x ? t + 1.0 : t;
}
static double my_round(double x) { /* halves away from zero */
    return x < 0 ? -my_floor(-x + 0.5) : my_floor(x + 0.5);
}

int kmain(void) {
    /* --- square roots --- */
    static const double inputs[] = {2.0, 3.0, 10.0, 0.25, 12345.678, 1e10, 1e-6};
    for (size_t i = 0; i < KARRAY_SIZE(inputs); i++) {
        double a = inputs[i];
        double r = newton_sqrt(a);
        kprintf("float: sqrt(%.6f) = %.12f\n", a, r);
        if (fabs_d(r * r - a) > a * 4.5e-16) {
            kprintf("float: sqrt residual too large\n");
            failures++;
        }
    }
    double s2 = newton_sqrt(vtwo);
    kprintf("float: sqrt(2) bits = 0x%016llx\n", (unsigned long long)dbits(s2));
    check("sqrt(2) within 1 ulp", fabs_d(s2 - 1.4142135623730951) <= 2.3e-16);
    float s2f = newton_sqrtf((float)vtwo);
    kprintf("float: sqrtf(2) = %.7f\n", (double)s2f);
    check("sqrtf(2)", s2f == 1.41421354f);

    /* --- single vs double accumulation --- */
    float hf = 0.0f;
    double hd = 0.0;
    for (int i = 1; i <= 1000; i++) {
        hf += 1.0f / (float)i;
        hd += 1.0 / (double)i;
    }
    kprintf("float: harmonic(1000) float=%.6f double=%.12f\n", (double)hf, hd);
    check("harmonic float ~ double", fabs_d((double)hf - hd) < 1e-4);
    check("harmonic double", fabs_d(hd - 7.485470860550345) < 1e-12);

    /* Leibniz series for pi and a dot product */
    double pi = 0.0;
    for (int k = 0; k < 100000; k++) pi += (k & 1 ? -4.0 : 4.0) / (2.0 * k + 1.0);
    kprintf("float: leibniz pi = %.10f\n", pi);
    check("leibniz pi", fabs_d(pi - 3.14158265358979) < 1e-12);
    float va[16], vb[16], dot = 0.0f;
    for (int i = 0; i < 16; i++) {
        va[i] = (float)i * vthird;
        vb[i] = 1.5f - (float)i * 0.25f;
    }
    for (int i = 0; i < 16; i++) dot += va[i] * vb[i];
    kprintf("float: dot = %.6f\n", (double)dot);
    check("float dot", fabs_d((double)dot - -130.0 / 3.0) < 1e-5);

    /* --- conversions --- */
    volatile double d399 = 3.99, dm399 = -3.99, big = 1e18, huge = 1.8e19;
    check("(int)3.99 == 3", (int)d399 == 3);
    check("(int)-3.99 == -3", (int)dm399 == -3);
    check("(int64_t)1e18", (int64_t)big == 1000000000000000000ll);
    check("(uint64_t)1.8e19", (uint64_t)huge == 18000000000000000000ull);
    volatile int64_t i64max = INT64_MAX, i64min = INT64_MIN;
    volatile uint64_t u64max = UINT64_MAX;
    check("(double)INT64_MAX", (double)i64max == 9223372036854775808.0);
    check("(double)INT64_MIN", (double)i64min == -9223372036854775808.0);
    check("(double)UINT64_MAX", (double)u64max == 18446744073709551616.0);
    volatile int32_t odd = 16777217;
    check("(float)16777217 == 2^24", (float)odd == 16777216.0f);
    volatile int32_t neg = -123456789;
    check("int32 -> double exact", (double)neg == -123456789.0);
    volatile float f = 0.1f;
    check("(double)0.1f bits", dbits((double)f) == 0x3FB99999A0000000ull);
    volatile double d01 = 0.1;
    check("(float)0.1 == 0.1f", (float)d01 == 0.1f);
    kprintf("float: (double)0.1f = %.17f\n", (double)f);

    /* --- rounding --- */
    static const double rin[] = {2.5, -2.5, 2.4999, -0.5, 7.0, -7.25, 1e15 + 0.5};
    for (size_t i = 0; i < KARRAY_SIZE(rin); i++) {
        double x = rin[i];
        kprintf("float: x=%.4f floor=%.1f ceil=%.1f round=%.1f trunc=%lld\n", x, my_floor(x),
                my_ceil(x), my_round(x), (long long)(int64_t)x);
    }
    check("floor(-7.25) == -8", my_floor(-7.25) == -8.0);
    check("ceil(-7.25) == -7", my_ceil(-7.25) == -7.0);
    check("round(-2.5) == -3", my_round(-2.5) == -3.0);

    /* --- comparisons, NaN, signed zero, infinities, subnormals --- */
    double nan = vzero / vzero; /* sign of this NaN differs by arch: never printed */
    double inf = 1.0 / vzero;
    double negzero = -vzero;
    check("nan != nan", nan != nan);
    check("!(nan == nan)", !(nan == nan));
    check("!(nan < 1) && !(nan > 1)", !(nan < 1.0) && !(nan > 1.0));
    check("!(nan <= nan)", !(nan <= nan));
    check("nan + 1 is nan", (nan + 1.0) != (nan + 1.0));
    check("-0.0 == 0.0", negzero == 0.0);
    check("-0.0 sign bit", dbits(negzero) == 0x8000000000000000ull);
    check("1/-0.0 == -inf", 1.0 / negzero == -inf);
    check("inf > DBL_MAX", inf > 1.7976931348623157e308);
    check("inf - inf is nan", (inf - inf) != (inf - inf));
    volatile double tiny = 2.2250738585072014e-308;
    double sub = tiny / 4.0;
    check("subnormal > 0", sub > 0.0 && sub < tiny);
    check("subnormal * 4 == min", sub * 4.0 == tiny);
    volatile float fa = 1.0f, fb = 1e-8f;
    check("float absorbs 1e-8", fa + fb == fa);
    volatile double da = 1.0, db = 1e-8;
    check("double keeps 1e-8", da + db != da);

    kprintf("float: %s\n", failures ? "FAIL" : "PASS");
    return failures ? 1 : 0;
}
