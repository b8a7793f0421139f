/*
 * div64.c - signed and unsigned 64-bit (and 32-bit) division and modulo over
 * edge values, checked by the identity a == q*b + r with |r| < |b| and r
 * having the sign of a (C truncating division), without any 128-bit types.
 * INT64_MIN / -1 (undefined behaviour in C) is deliberately never computed.
 */
#include "kernel.h"

static int failures;

static const int64_t sv[] = {
    0, 1, -1, 2, -2, 3, -3, 7, -7, 10, -10, 1000000007, -1000000007,
    INT32_MAX, INT32_MIN, (int64_t)INT32_MAX + 1, 0x123456789abcdefll, -0x123456789abcdefll,
    INT64_MAX, INT64_MIN, INT64_MAX - 1, INT64_MIN + 1, 0x100000000ll, -0x100000000ll,
};

static const uint64_t uv[] = {
    0, 1, 2, 3, 7, 10, 0xffffffffull, 0x100000000ull, 0x100000001ull, 0x123456789abcdef0ull,
    0x7fffffffffffffffull, 0x8000000000000000ull, 0xfffffffffffffffeull, 0xffffffffffffffffull,
};

/* Opaque identity so the compiler emits real divide instructions. */
static int64_t opaque_s(int64_t x) {
    __asm__ volatile("" : "+r"(x));
    return x;
}
static uint64_t opaque_u(uint64_t x) {
    __asm__ volatile("" : "+r"(x));
    return x;
}

static uint64_t mag(int64_t x) { return x < 0 ? (uint64_t)0 - (uint64_t)x : (uint64_t)x; }

static uint64_t mix(uint64_t h, uint64_t v) {
    h ^= v;
    h *= 0x100000001b3ull;
    return h ^ (h >> 29);
}

int kmain(void) {
    uint64_t h = 0xcbf29ce484222325ull;
    int count = 0;
    for (size_t i = 0; i < KARRAY_SIZE(sv); i++) {
        for (size_t j = 0; j < KARRAY_SIZE(sv); j++) {
            int64_t a = opaque_s(sv[i]), b = opaque_s(sv[j]);
            if (b == 0 || (a == INT64_MIN && b == -1)) continue;
            int64_t q = a / b, r = a % b;
            /* a == q*b + r in wrapping arithmetic, |r| < |b|, sign(r) == sign(a) or r == 0 */
            int ok = (uint64_t)q * (uint64_t)b + (uint64_t)r == (uint64_t)a && mag(r) < mag(b) &&
                     (r == 0 || (r < 0) == (a < 0));
            if (!ok) {
                kprintf("div64: FAIL %lld / %lld -> q=%lld r=%lld\n", (long long)a, (long long)b,
                        (long long)q, (long long)r);
                failures++;
            }
            h = mix(mix(h, (uint64_t)q), (uint64_t)r);
            count++;
        }
    }
    kprintf("div64: signed pairs=%d hash=0x%016llx\n", count, (unsigned long long)h);

    count = 0;
    for (size_t i = 0; i < KARRAY_SIZE(uv); i++) {
        for (size_t j = 0; j < KARRAY_SIZE(uv); j++) {
            uint64_t a = opaque_u(uv[i]), b = opaque_u(uv[j]);
            if (b == 0) continue;
            uint64_t q = a / b, r = a % b;
            /* q*b + r == a must hold without overflow: check q <= a / b via q*b <= a - r */
            int ok = r < b && a - r == q * b && (q == 0 || (a - r) / q == b);
            if (!ok) {
                kprintf("div64: FAIL %llu / %llu\n", (unsigned long long)a, (unsigned long long)b);
                failures++;
            }
            h = mix(mix(h, q), r);
            count++;
        }
    }
    kprintf("div64: unsigned pairs=%d hash=0x%016llx\n", count, (unsigned long long)h);

    /* 32-bit forms use different instructions (sdiv w / idivl) */
    uint32_t s32 = 0; /* hashes use unsigned arithmetic: no signed overflow */
    uint32_t u32 = 0;
    for (int32_t a = -1000; a <= 1000; a += 37) {
        for (int32_t b = -17; b <= 17; b += 3) {
            if (b == 0) continue;
            int32_t x = (int32_t)opaque_s(a), y = (int32_t)opaque_s(b);
            int32_t q = x / y, r = x % y;
            if (q * y + r != x) failures++;
            s32 = s32 * 31u + (uint32_t)q * 7u + (uint32_t)r;
            uint32_t ux = (uint32_t)x, uy = (uint32_t)y;
            uint32_t uq = ux / uy, ur = ux % uy;
            if (uq * uy + ur != ux) failures++;
            u32 = u32 * 31u + uq + ur;
        }
    }
    kprintf("div64: 32-bit checks s=0x%08x u=0x%08x\n", s32, u32);

    /* A few results printed explicitly. */
    int64_t m = opaque_s(INT64_MIN);
    kprintf("div64: INT64_MIN / 7 = %lld rem %lld\n", (long long)(m / 7), (long long)(m % 7));
    kprintf("div64: INT64_MIN / -2 = %lld\n", (long long)(m / opaque_s(-2)));
    kprintf("div64: INT64_MIN %% -1 skipped, INT64_MIN / 1 = %lld\n", (long long)(m / opaque_s(1)));
    kprintf("div64: -7 / 2 = %lld rem %lld\n", (long long)(opaque_s(-7) / 2), (long long)(opaque_s(-7) % 2));
    kprintf("div64: UINT64_MAX / 3 = %llu rem %llu\n", (unsigned long long)(opaque_u(UINT64_MAX) / 3),
            (unsigned long long)(opaque_u(UINT64_MAX) % 3));
    kprintf("div64: UINT64_MAX / 0x100000001 = 0x%llx\n",
            (unsigned long long)(opaque_u(UINT64_MAX) / opaque_u(0x100000001ull)));
    failures += opaque_s(INT64_MIN) / 7 != -1317624576693539401ll;
    failures += opaque_u(UINT64_MAX) / 3 != 6148914691236517205ull;
    failures += opaque_u(UINT64_MAX) / opaque_u(0x100000001ull) != 0xffffffffull;

    kprintf("div64: %s\n", failures ? "FAIL" : "PASS");
    return failures ? 1 : 0;
}
