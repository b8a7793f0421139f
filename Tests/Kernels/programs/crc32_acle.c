/* crc32_acle.c - CRC-32 and CRC-32C through the ACLE intrinsics (__crc32b/h/w/d, __crc32cb/h/w/d)
 * on AArch64 (the CRC32* instructions, enabled per function with target("crc")), checked against
 * bitwise reference implementations. Other architectures run the references only, so the
 * output is the same everywhere. */
#include "kernel.h"
#if defined(__aarch64__)
#include <arm_acle.h>
#define CRC_TARGET __attribute__((target("crc")))
#endif

static uint8_t buf[4096];

static uint32_t crc_bitwise(uint32_t poly, const uint8_t *p, size_t n) {
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (poly & (0u - (c & 1)));
    }
    return c ^ 0xFFFFFFFFu;
}

#if defined(__aarch64__)
static uint64_t load_le(const uint8_t *p, int bytes) {
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* width: 1, 2, 4 or 8 bytes per instruction; the tail is done bytewise. */
CRC_TARGET static uint32_t crc_hw(int castagnoli, int width, const uint8_t *p, size_t n) {
    uint32_t c = 0xFFFFFFFFu;
    size_t i = 0;
    for (; i + (size_t)width <= n; i += (size_t)width) {
        uint64_t v = load_le(p + i, width);
        switch (width) {
        case 8: c = castagnoli ? __crc32cd(c, v) : __crc32d(c, v); break;
        case 4: c = castagnoli ? __crc32cw(c, (uint32_t)v) : __crc32w(c, (uint32_t)v); break;
        case 2: c = castagnoli ? __crc32ch(c, (uint16_t)v) : __crc32h(c, (uint16_t)v); break;
        default: c = castagnoli ? __crc32cb(c, (uint8_t)v) : __crc32b(c, (uint8_t)v); break;
        }
    }
    for (; i < n; i++) c = castagnoli ? __crc32cb(c, p[i]) : __crc32b(c, p[i]);
    return c ^ 0xFFFFFFFFu;
}
#endif

static int check(const char *name, uint32_t poly, int castagnoli, const uint8_t *p, size_t n, uint32_t expected) {
    int failures = 0;
    uint32_t ref = crc_bitwise(poly, p, n);
    if (ref != expected) failures++;
#if defined(__aarch64__)
    for (int width = 1; width <= 8; width *= 2) {
        uint32_t hw = crc_hw(castagnoli, width, p, n);
        if (hw != ref) {
            kprintf("crc32_acle: %s width %d = 0x%08X, expected 0x%08X\n", name, width, hw, ref);
            failures++;
        }
    }
#else
    (void)castagnoli;
#endif
    kprintf("crc32_acle: %-12s = 0x%08X %s\n", name, ref, failures ? "FAIL" : "ok");
    return failures;
}

int kmain(void) {
    static const char digits[] = "123456789";
    uint32_t x = 0x2545F491u;
    for (size_t i = 0; i < sizeof buf; i++) {
        x ^= x << 13; x ^= x >> 17; x ^= x << 5;
        buf[i] = (uint8_t)x;
    }
    int failures = 0;
    failures += check("crc32 9", 0xEDB88320u, 0, (const uint8_t *)digits, 9, 0xCBF43926u);
    failures += check("crc32c 9", 0x82F63B78u, 1, (const uint8_t *)digits, 9, 0xE3069283u);
    failures += check("crc32 4K", 0xEDB88320u, 0, buf, sizeof buf, 0x7E70F60Cu);
    failures += check("crc32c 4K", 0x82F63B78u, 1, buf, sizeof buf, 0x5CCBD5FCu);
    failures += check("crc32 4K-3", 0xEDB88320u, 0, buf + 1, sizeof buf - 3, 0x4E793A56u);
    kprintf("crc32_acle: %s\n", failures ? "FAIL" : "PASS");
    return failures;
}
