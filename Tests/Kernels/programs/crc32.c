/* crc32.c - CRC-32 (IEEE 802.3, reflected, poly 0xEDB88320): table and bitwise versions. */
#include "kernel.h"

static uint32_t table[256];
static uint8_t big[65536];

static void make_table(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
        table[i] = c;
    }
}

static uint32_t crc32_table(const void *data, size_t n) {
    const uint8_t *p = data;
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) c = table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

static uint32_t crc32_bitwise(const void *data, size_t n) {
    const uint8_t *p = data;
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
    }
    return c ^ 0xFFFFFFFFu;
}

static int check(const char *what, uint32_t got, uint32_t want) {
    int ok = got == want;
    kprintf("crc32: %-12s = 0x%08X %s\n", what, got, ok ? "ok" : "MISMATCH");
    return ok;
}

int kmain(void) {
    int ok = 1;
    make_table();
    const char *check_str = "123456789";
    const char *fox = "The quick brown fox jumps over the lazy dog";
    ok &= check("\"123456789\"", crc32_table(check_str, strlen(check_str)), 0xCBF43926u);
    ok &= check("bitwise", crc32_bitwise(check_str, strlen(check_str)), 0xCBF43926u);
    ok &= check("fox", crc32_table(fox, strlen(fox)), 0x414FA339u);
    ok &= check("empty", crc32_table("", 0), 0x00000000u);

    uint32_t x = 1;
    for (size_t i = 0; i < sizeof big; i++) {
        x = x * 1103515245u + 12345u;
        big[i] = (uint8_t)(x >> 16);
    }
    uint32_t t = crc32_table(big, sizeof big);
    uint32_t b = crc32_bitwise(big, sizeof big);
    ok &= check("64KiB", t, 0x12E573A3u); /* cross-checked with Python's zlib.crc32 */
    ok &= check("64KiB bits", b, t);
    kprintf("crc32: %s\n", ok ? "PASS" : "FAIL");
    return ok ? 0 : 1;
}
