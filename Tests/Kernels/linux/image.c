/* The test Image's C part: checks the registers the arm64 boot protocol
 * promises, walks the flattened device tree at X0 for /chosen, echoes its
 * bootargs and the first bytes of the initrd over the PL011, and powers
 * off through PSCI SYSTEM_OFF over HVC. */
typedef unsigned long u64;
typedef unsigned int u32;

#define UART_DR (*(volatile u32 *)0x09000000ul)
#define UART_FR (*(volatile u32 *)0x09000018ul)
#define UART_CR (*(volatile u32 *)0x09000030ul)

static void putch(char c) {
    while (UART_FR & (1u << 5)) {
    }
    UART_DR = (u32)(unsigned char)c;
}

static void puts_(const char *s) {
    while (*s) putch(*s++);
}

static void system_off(void) {
    register u64 x0 __asm__("x0") = 0x84000008ul; /* PSCI SYSTEM_OFF */
    __asm__ volatile("hvc #0" : "+r"(x0) : : "memory");
    for (;;) __asm__ volatile("wfi");
}

static void fail(const char *why) {
    puts_("FAIL ");
    puts_(why);
    putch('\n');
    system_off();
}

static u32 be32(const unsigned char *p) {
    return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

static int same(const char *a, const char *b) {
    while (*a && *a == *b) { a++; b++; }
    return *a == *b;
}

static u64 padded(u64 n) { return (n + 3) & ~3ul; }

void kmain(u64 dtb, u64 x1, u64 x2, u64 x3) {
    const unsigned char *fdt = (const unsigned char *)dtb;
    UART_CR = 0x301; /* UARTEN | TXE */
    if (dtb & 7) fail("dtb not 8-byte aligned");
    if (be32(fdt) != 0xd00dfeedu) fail("no FDT magic at x0");
    if (x1 | x2 | x3) fail("x1-x3 not zero");
    puts_("FDT OK\n");
    const unsigned char *p = fdt + be32(fdt + 8);
    const char *strings = (const char *)fdt + be32(fdt + 12);
    int depth = 0, in_chosen = 0;
    u64 initrd = 0;
    for (;;) {
        u32 token = be32(p);
        p += 4;
        if (token == 1) { /* FDT_BEGIN_NODE */
            const char *name = (const char *)p;
            u64 n = 0;
            while (name[n]) n++;
            depth++;
            in_chosen = depth == 2 && same(name, "chosen");
            p += padded(n + 1);
        } else if (token == 2) { /* FDT_END_NODE */
            depth--;
            in_chosen = 0;
        } else if (token == 3) { /* FDT_PROP */
            u32 len = be32(p), name = be32(p + 4);
            const unsigned char *value = p + 8;
            if (in_chosen && same(strings + name, "bootargs")) {
                puts_("bootargs=");
                puts_((const char *)value);
                putch('\n');
            }
            if (in_chosen && same(strings + name, "linux,initrd-start") && len == 8)
                initrd = (u64)be32(value) << 32 | be32(value + 4);
            p = value + padded(len);
        } else if (token == 9) { /* FDT_END */
            break;
        } else if (token != 4) { /* not FDT_NOP */
            fail("bad FDT token");
        }
    }
    if (initrd) {
        const char *bytes = (const char *)initrd;
        puts_("initrd=");
        for (int i = 0; i < 8 && bytes[i] >= ' '; i++) putch(bytes[i]);
        putch('\n');
    }
    puts_("PASS\n");
    system_off();
}
