/*
 * printf.c - a small, deterministic printf for guest programs.
 *
 * Conversions: d i u x X o p s c f F %; flags '-' '0' '+' ' ' '#';
 * width and precision (numbers or '*'); length modifiers hh h l ll z t j.
 * %f is formatted with integer arithmetic after splitting off the integer
 * part (exactly, with a small bignum, for |v| >= 2^52), so its output is
 * identical on every IEEE-754 machine. The fraction is rounded from
 * frac * 10^precision, so it is not always the correctly-rounded decimal
 * glibc prints: halves round away from zero (%.0f of 2.5 prints 3), and at
 * most 17 significant fractional digits are computed (the rest print as 0).
 */
#include "kernel.h"

struct sink {
    char *buf;   /* NULL: write to the console via kputc */
    size_t cap;  /* capacity of buf including the terminating NUL */
    size_t len;  /* characters produced so far (may exceed cap) */
};

static void put(struct sink *s, char c) {
    if (s->buf == NULL) {
        kputc(c);
    } else if (s->cap != 0 && s->len < s->cap - 1) {
        s->buf[s->len] = c;
    }
    s->len++;
}

static void put_repeat(struct sink *s, char c, int n) {
    while (n-- > 0) put(s, c);
}

struct spec {
    int left;       /* '-' */
    int zero;       /* '0' */
    int plus;       /* '+' */
    int space;      /* ' ' */
    int alt;        /* '#' */
    int width;      /* -1 if absent */
    int precision;  /* -1 if absent */
};

/*
 * Emits a field made of a sign/prefix, `zeros` leading zeros, and `digits`,
 * padded to the spec's width.
 */
static void put_field(struct sink *s, const struct spec *sp, const char *prefix, int zeros,
                      const char *digits, int ndigits) {
    int plen = (int)strlen(prefix);
    int body = plen + zeros + ndigits;
    int pad = sp->width > body ? sp->width - body : 0;
    if (!sp->left && !sp->zero) put_repeat(s, ' ', pad);
    for (int i = 0; i < plen; i++) put(s, prefix[i]);
    if (!sp->left && sp->zero) put_repeat(s, '0', pad);
    put_repeat(s, '0', zeros);
    for (int i = 0; i < ndigits; i++) put(s, digits[i]);
    if (sp->left) put_repeat(s, ' ', pad);
}

/* Writes the digits of v in `base` into the end of tmp; returns the start. */
static char *utoa_rev(char *end, uint64_t v, unsigned base, int upper) {
    const char *dig = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char *p = end;
    do {
        *--p = dig[v % base];
        v /= base;
    } while (v != 0);
    return p;
}

static void put_integer(struct sink *s, struct spec sp, uint64_t mag, int negative, unsigned base,
                        int upper, int is_signed, const char *forced_prefix) {
    char tmp[32];
    char *end = tmp + sizeof(tmp);
    char *start;
    int ndigits;
    if (sp.precision == 0 && mag == 0) {
        start = end;
        ndigits = 0;
    } else {
        start = utoa_rev(end, mag, base, upper);
        ndigits = (int)(end - start);
    }
    char prefix[4];
    int pl = 0;
    if (is_signed) {
        if (negative) prefix[pl++] = '-';
        else if (sp.plus) prefix[pl++] = '+';
        else if (sp.space) prefix[pl++] = ' ';
    }
    if (forced_prefix != NULL) {
        while (*forced_prefix) prefix[pl++] = *forced_prefix++;
    } else if (sp.alt && mag != 0) {
        if (base == 16) {
            prefix[pl++] = '0';
            prefix[pl++] = upper ? 'X' : 'x';
        } else if (base == 8 && (sp.precision <= ndigits)) {
            prefix[pl++] = '0';
        }
    }
    prefix[pl] = '\0';
    int zeros = 0;
    if (sp.precision >= 0) {
        if (sp.precision > ndigits) zeros = sp.precision - ndigits;
        sp.zero = 0; /* C: the 0 flag is ignored when a precision is given */
    }
    if (sp.left) sp.zero = 0;
    put_field(s, &sp, prefix, zeros, start, ndigits);
}

static const uint64_t pow10_table[18] = {
    1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull,
    100000000ull, 1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull,
    10000000000000ull, 100000000000000ull, 1000000000000000ull, 10000000000000000ull,
    100000000000000000ull,
};

/* Appends the exact decimal digits of m * 2^e (e >= 0) to out; returns the count. */
static int big_integer_digits(char *out, uint64_t m, int e) {
    /* little-endian base-10^9 limbs; 2^1024 has 309 digits, so 36 limbs suffice */
    uint32_t limb[36];
    int n = 0;
    do {
        limb[n++] = (uint32_t)(m % 1000000000u);
        m /= 1000000000u;
    } while (m != 0);
    while (e-- > 0) {
        uint32_t carry = 0;
        for (int i = 0; i < n; i++) {
            uint32_t x = limb[i] * 2u + carry;
            carry = x >= 1000000000u;
            limb[i] = carry ? x - 1000000000u : x;
        }
        if (carry) limb[n++] = carry;
    }
    int len = 0;
    char group[12];
    char *gend = group + sizeof(group);
    char *gs = utoa_rev(gend, limb[n - 1], 10, 0);
    while (gs < gend) out[len++] = *gs++;
    for (int i = n - 2; i >= 0; i--) {
        uint32_t x = limb[i];
        for (int k = 8; k >= 0; k--) {
            out[len + k] = (char)('0' + x % 10);
            x /= 10;
        }
        len += 9;
    }
    return len;
}

#define MAX_FLOAT_PRECISION 60

static void put_double(struct sink *s, struct spec sp, double v, int upper) {
    char prefix[2] = {0, 0};
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    int negative = (int)(bits >> 63);
    if (negative) prefix[0] = '-';
    else if (sp.plus) prefix[0] = '+';
    else if (sp.space) prefix[0] = ' ';
    if (sp.left) sp.zero = 0;

    int expbits = (int)((bits >> 52) & 0x7ff);
    uint64_t mantissa = bits & 0xfffffffffffffull;
    if (expbits == 0x7ff) { /* inf or nan: never zero-padded */
        sp.zero = 0;
        put_field(s, &sp, prefix, 0,
                  mantissa != 0 ? (upper ? "NAN" : "nan") : (upper ? "INF" : "inf"), 3);
        return;
    }
    int prec = sp.precision < 0 ? 6 : sp.precision;
    if (prec > MAX_FLOAT_PRECISION) prec = MAX_FLOAT_PRECISION;

    char body[320 + MAX_FLOAT_PRECISION + 2];
    int n = 0;
    uint64_t fp = 0; /* fractional digits, scaled by 10^min(prec, 17) */
    int computed = prec > 17 ? 17 : prec;
    if (expbits >= 1075) {
        /* |v| >= 2^52 with no fractional bits: exact integer expansion */
        n = big_integer_digits(body, mantissa | (1ull << 52), expbits - 1075);
    } else {
        if (negative) v = -v;
        uint64_t ip = (uint64_t)v; /* v < 2^53 here */
        double frac = v - (double)ip; /* exact */
        uint64_t scale = pow10_table[computed];
        fp = (uint64_t)(frac * (double)scale + 0.5);
        if (fp >= scale) {
            fp -= scale;
            ip += 1;
        }
        char ibuf[24];
        char *iend = ibuf + sizeof(ibuf);
        char *istart = utoa_rev(iend, ip, 10, 0);
        while (istart < iend) body[n++] = *istart++;
    }
    if (prec > 0 || sp.alt) body[n++] = '.';
    for (int i = computed - 1; i >= 0; i--) {
        body[n + i] = (char)('0' + fp % 10);
        fp /= 10;
    }
    n += computed;
    for (int i = computed; i < prec; i++) body[n++] = '0';
    put_field(s, &sp, prefix, 0, body, n);
}

static int format(struct sink *s, const char *fmt, va_list ap) {
    while (*fmt) {
        char c = *fmt++;
        if (c != '%') {
            put(s, c);
            continue;
        }
        const char *conv_start = fmt - 1;
        struct spec sp = {0, 0, 0, 0, 0, -1, -1};
        for (;;) {
            if (*fmt == '-') sp.left = 1;
            else if (*fmt == '0') sp.zero = 1;
            else if (*fmt == '+') sp.plus = 1;
            else if (*fmt == ' ') sp.space = 1;
            else if (*fmt == '#') sp.alt = 1;
            else break;
            fmt++;
        }
        if (*fmt == '*') {
            int w = va_arg(ap, int);
            if (w < 0) {
                sp.left = 1;
                w = -w;
            }
            sp.width = w;
            fmt++;
        } else if (*fmt >= '0' && *fmt <= '9') {
            sp.width = 0;
            while (*fmt >= '0' && *fmt <= '9') sp.width = sp.width * 10 + (*fmt++ - '0');
        }
        if (*fmt == '.') {
            fmt++;
            sp.precision = 0;
            if (*fmt == '*') {
                int p = va_arg(ap, int);
                sp.precision = p < 0 ? -1 : p;
                fmt++;
            } else {
                while (*fmt >= '0' && *fmt <= '9') sp.precision = sp.precision * 10 + (*fmt++ - '0');
            }
        }
        /* length: 0 = int, 1 = long, 2 = long long, -1 = short, -2 = char, 3 = size_t */
        int len = 0;
        if (*fmt == 'h') {
            len = -1;
            fmt++;
            if (*fmt == 'h') {
                len = -2;
                fmt++;
            }
        } else if (*fmt == 'l') {
            len = 1;
            fmt++;
            if (*fmt == 'l') {
                len = 2;
                fmt++;
            }
        } else if (*fmt == 'z' || *fmt == 't' || *fmt == 'j') {
            len = 2;
            fmt++;
        }
        char conv = *fmt;
        if (conv == '\0') {
            for (const char *p = conv_start; p < fmt; p++) put(s, *p);
            break;
        }
        fmt++;
        switch (conv) {
        case 'd':
        case 'i': {
            int64_t v;
            if (len >= 1) v = (len == 1) ? (int64_t)va_arg(ap, long) : (int64_t)va_arg(ap, long long);
            else v = va_arg(ap, int);
            if (len == -1) v = (short)v;
            if (len == -2) v = (signed char)v;
            uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
            put_integer(s, sp, mag, v < 0, 10, 0, 1, NULL);
            break;
        }
        case 'u':
        case 'x':
        case 'X':
        case 'o': {
            uint64_t v;
            if (len >= 1) v = (len == 1) ? (uint64_t)va_arg(ap, unsigned long)
                                         : (uint64_t)va_arg(ap, unsigned long long);
            else v = va_arg(ap, unsigned int);
            if (len == -1) v = (unsigned short)v;
            if (len == -2) v = (unsigned char)v;
            unsigned base = conv == 'u' ? 10 : conv == 'o' ? 8 : 16;
            put_integer(s, sp, v, 0, base, conv == 'X', 0, NULL);
            break;
        }
        case 'p': {
            uintptr_t v = (uintptr_t)va_arg(ap, void *);
            put_integer(s, sp, (uint64_t)v, 0, 16, 0, 0, "0x");
            break;
        }
        case 'c': {
            char ch = (char)va_arg(ap, int);
            sp.zero = 0;
            sp.precision = -1;
            put_field(s, &sp, "", 0, &ch, 1);
            break;
        }
        case 's': {
            const char *str = va_arg(ap, const char *);
            if (str == NULL) str = "(null)";
            int n = 0;
            while (str[n] && (sp.precision < 0 || n < sp.precision)) n++;
            sp.zero = 0;
            put_field(s, &sp, "", 0, str, n);
            break;
        }
        case 'f':
        case 'F':
            put_double(s, sp, va_arg(ap, double), conv == 'F');
            break;
        case '%':
            put(s, '%');
            break;
        default: /* unknown conversion: echo it */
            for (const char *p = conv_start; p < fmt; p++) put(s, *p);
            break;
        }
    }
    return (int)s->len;
}

void kputs(const char *str) {
    while (*str) kputc(*str++);
}

int kvprintf(const char *fmt, va_list ap) {
    struct sink s = {NULL, 0, 0};
    return format(&s, fmt, ap);
}

int kprintf(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = kvprintf(fmt, ap);
    va_end(ap);
    return n;
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap) {
    struct sink s = {buf, size, 0};
    int n = format(&s, fmt, ap);
    if (size != 0) buf[s.len < size ? s.len : size - 1] = '\0';
    return n;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
