/*
 * printf.c - exercises every kprintf conversion. Each case is formatted twice:
 * once to the console with kprintf and once with ksnprintf, which is compared
 * with the expected text (the expectations match glibc's printf, which was
 * used to check them; %f cases avoid exact decimal ties, where the two differ).
 */
#include "kernel.h"

static int failures;
static int cases;

#define T(want, ...)                                                                   \
    do {                                                                               \
        char buf_[400];                                                                \
        int n_ = ksnprintf(buf_, sizeof buf_, __VA_ARGS__);                            \
        int ok_ = strcmp(buf_, (want)) == 0 && n_ == (int)strlen(want);                \
        cases++;                                                                       \
        kprintf("%3d [", cases);                                                       \
        kprintf(__VA_ARGS__);                                                          \
        if (ok_) {                                                                     \
            kputs("] ok\n");                                                           \
        } else {                                                                       \
            failures++;                                                                \
            kprintf("] MISMATCH: got [%s] (%d) want [%s]\n", buf_, n_, (want));        \
        }                                                                              \
    } while (0)

/* Values are read through volatiles so the compiler cannot fold the formatting. */
static volatile int64_t i64_min = INT64_MIN;
static volatile int64_t i64_max = INT64_MAX;
static volatile uint64_t u64_max = UINT64_MAX;
static volatile double zero = 0.0;
static volatile uint64_t quiet_nan_bits = 0x7ff8000000000000ull; /* +NaN (0/0 is -NaN on x86) */

int kmain(void) {
    /* signed decimal */
    T("0", "%d", 0);
    T("42", "%d", 42);
    T("-42", "%d", -42);
    T("2147483647", "%d", INT32_MAX);
    T("-2147483648", "%d", INT32_MIN);
    T("-7", "%i", -7);
    T("+5", "%+d", 5);
    T(" 5", "% d", 5);
    T("-9223372036854775808", "%lld", (long long)i64_min);
    T("9223372036854775807", "%ld", (long)i64_max);
    T("-9223372036854775808", "%ld", (long)i64_min);
    T("-1", "%lld", -1ll);
    /* unsigned, hex, octal */
    T("4294967295", "%u", 4294967295u);
    T("18446744073709551615", "%lu", (unsigned long)u64_max);
    T("18446744073709551615", "%llu", (unsigned long long)u64_max);
    T("deadbeef", "%x", 0xdeadbeefu);
    T("DEADBEEF", "%X", 0xdeadbeefu);
    T("123456789abcdef0", "%lx", 0x123456789abcdef0ul);
    T("ffffffffffffffff", "%llx", (unsigned long long)u64_max);
    T("8000000000000000", "%llx", (unsigned long long)i64_min);
    T("ffffffff", "%x", -1);
    T("0xff", "%#x", 255);
    T("0XFF", "%#X", 255);
    T("17", "%o", 15);
    T("017", "%#o", 15);
    T("12345", "%zu", (size_t)12345);
    T("44", "%hhd", 300);
    T("4464", "%hd", 70000);
    T("65535", "%hu", -1);
    /* pointers, chars, strings, percent */
    T("0x1234", "%p", (void *)0x1234);
    T("0xffff800000001000", "%p", (void *)0xffff800000001000ul);
    T("A", "%c", 'A');
    T("  A", "%3c", 'A');
    T("A  |", "%-3c|", 'A');
    T("hello", "%s", "hello");
    T("hel", "%.3s", "hello");
    T("   hello|", "%8s|", "hello");
    T("hello   |", "%-8s|", "hello");
    T("100%", "%d%%", 100);
    T("a b c", "%s %c %s", "a", 'b', "c");
    /* widths, precision, padding */
    T("   42", "%5d", 42);
    T("42   |", "%-5d|", 42);
    T("00042", "%05d", 42);
    T("-0042", "%05d", -42);
    T("0000beef", "%08x", 0xbeef);
    T("beef    |", "%-8x|", 0xbeef);
    T("00042", "%.5d", 42);
    T("     007", "%8.3d", 7);
    T("   -007", "%7.3d", -7);
    T("|", "%.0d|", 0);
    T("    42", "%*d", 6, 42);
    T("42    |", "%-*d|", 6, 42);
    T("42    |", "%*d|", -6, 42);
    T("ab", "%.*s", 2, "abc");
    T("-00000000000000000001", "%021lld", -1ll);
    T("   -9223372036854775808", "%23lld", (long long)i64_min);
    T("0x00000000deadbeef", "0x%016llx", 0xdeadbeefull);
    /* floating point */
    T("3.141590", "%f", 3.14159);
    T("2.72", "%.2f", 2.71828);
    T("4", "%.0f", 3.7);
    T("-0.500000", "%f", -0.5);
    T("     3.142", "%10.3f", 3.14159);
    T("3.142     |", "%-10.3f|", 3.14159);
    T("-00003.142", "%010.3f", -3.14159);
    T("+1.50", "%+.2f", 1.5);
    T("0.333333", "%f", 1.0 / 3.0);
    T("0.3333333333", "%.10f", 1.0 / 3.0);
    T("0.100000000000000", "%.15f", 0.1);
    T("10000000000.000000", "%f", 1e10);
    T("123456789.125000", "%f", 123456789.125);
    T("100000000000000000000.000000", "%f", 1e20);
    T("18446744073709551616.0", "%.1f", 18446744073709551616.0);
    T("179769313486231570814527423731704356798070567525844996598917476803157260780028538760589558632766878171540458953514382464234321326889464182768467546703537516986049910576551282076245490090389328944075868508455133942304583236903222948165808559332123348274797826204144723168738177180919299881250404026184124858368.000", "%.3f", 1.7976931348623157e308);
    T("2251799813685248.5", "%.1f", 2251799813685248.5);
    T("9007199254740994.0", "%.1f", 9007199254740992.0 + 2.0);
    T("0.000000", "%f", 0.0);
    T("-0.000000", "%f", -0.0);
    T("0.000001", "%f", 0.000001);
    T("1.000000", "%f", 0.9999999);
    T("9.99", "%.2f", 9.99);
    {
        double nan;
        uint64_t b = quiet_nan_bits;
        memcpy(&nan, &b, sizeof nan);
        T("nan", "%f", nan);
        T("  nan", "%5.2f", nan);
    }
    T("inf", "%f", 1.0 / zero);
    T("-inf", "%f", -1.0 / zero);
    T("      -inf", "%10f", -1.0 / zero);
    T("INF", "%F", 1.0 / zero);
    /* return value and truncation */
    {
        char small[5];
        int n = ksnprintf(small, sizeof small, "%d", 123456);
        int ok = n == 6 && strcmp(small, "1234") == 0;
        kprintf("truncation: n=%d buf=[%s] %s\n", n, small, ok ? "ok" : "MISMATCH");
        if (!ok) failures++;
        int m = kprintf("%s=%d\n", "count", 7);
        if (m != 8) failures++;
        kprintf("kprintf returned %d\n", m);
    }
    kprintf("printf: %d cases, %d failures: %s\n", cases, failures, failures ? "FAIL" : "PASS");
    return failures ? 1 : 0;
}
