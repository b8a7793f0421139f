/*
 * arm/demo.c - the AArch64 side of the heterogeneous ping-pong demo.
 *
 * Runs on arm.cpu[0] of boards/hetero.yaml (QEMU virt layout). It drives the
 * exchange: for each round it writes a phrase and eight numbers into the
 * shared RAM, sends PING through the mailbox, waits for PONG, and checks the
 * x86 core's answer (upper-case phrase, sum, checksum). It ends the whole
 * simulation through sim-control: exit code 0 when every check passed.
 *
 * Console: PL011 via kputc() from Tests/Kernels/platform/arm64-virt.
 */
#include "kernel.h"
#include "pingpong.h"

#define SHARED_BASE 0x80000000ul
#define MAILBOX_BASE 0x0a000000ul /* mailbox port[0] */
#define SIM_CONTROL_BASE 0x0b000000ul
#define GICD_BASE 0x08000000ul
#define GICC_BASE 0x08010000ul
#define MAILBOX_IRQ 48u /* GIC SPI 16 */
#define REG32(addr) (*(volatile uint32_t *)(addr))
#define UART_FR (*(volatile uint32_t *)(0x09000000ul + 0x18))
#define UART_CR (*(volatile uint32_t *)(0x09000000ul + 0x30))
#define UART_CR_ENABLE 0x301u /* UARTEN | TXE | RXE */
#define UART_FR_BUSY (1u << 3)
#define UART_FR_TXFE (1u << 7)

static const char *const phrases[PINGPONG_ROUNDS] = {
    "hello from aarch64",
    "ping pong over a mailbox",
    "shared ram at 0x80000000",
    "little-endian on both sides",
    "cortex-a53 meets x86-64",
    "deterministic for any quantum",
    "gicv2 and ioapic",
    "the last round, 8 of 8",
};

/* Waits until the PL011 has put every queued character on the wire. */
static void uart_drain(void) {
    while ((UART_FR & UART_FR_TXFE) == 0 || (UART_FR & UART_FR_BUSY) != 0) {
    }
}

/* Flushes the console, then sends one mailbox word to the x86 cluster. */
static void send(uint32_t word) {
    uart_drain();
    mbox_send(MAILBOX_BASE, word);
}

/*
 * Routes the mailbox interrupt through the GICv2 to this core. IRQs stay masked in
 * PSTATE (no vector table needed): WFI still wakes when the interrupt is pending.
 */
static void mailbox_interrupt_init(void) {
    __asm__ volatile("msr daifset, #2" ::: "memory");
    REG32(GICD_BASE + 0x400 + (MAILBOX_IRQ & ~3u)) = 0xa0a0a0a0u; /* GICD_IPRIORITYR */
    REG32(GICD_BASE + 0x800 + (MAILBOX_IRQ & ~3u)) = 0x01010101u; /* GICD_ITARGETSR: CPU 0 */
    REG32(GICD_BASE + 0x100 + 4 * (MAILBOX_IRQ / 32)) = 1u << (MAILBOX_IRQ % 32); /* GICD_ISENABLER */
    REG32(GICD_BASE + 0x000) = 1;    /* GICD_CTLR: forward interrupts */
    REG32(GICC_BASE + 0x004) = 0xf0; /* GICC_PMR: let priority 0xa0 through */
    REG32(GICC_BASE + 0x000) = 1;    /* GICC_CTLR: signal the core */
    mbox_reg_write(MAILBOX_BASE, MBOX_IRQ_ENABLE, MBOX_IRQ_RX_LEVEL);
}

static void idle(void) { __asm__ volatile("wfi" ::: "memory"); }

static void sim_exit(int code) __attribute__((noreturn));
static void sim_exit(int code) {
    uart_drain();
    *(volatile uint32_t *)(SIM_CONTROL_BASE + 0x00) = (uint32_t)code;
    for (;;) __asm__ volatile("wfi");
}

static uint32_t expect(uint32_t kind, uint32_t round) {
    uint32_t word = mbox_receive(MAILBOX_BASE, idle);
    if (word != (kind | round)) {
        kprintf("[arm] protocol error: expected 0x%08x, got 0x%08x\n", kind | round, word);
        sim_exit(1);
    }
    return word;
}

static int run_round(uint32_t round) {
    volatile struct request *req = (volatile struct request *)(SHARED_BASE + SHARED_REQUEST);
    volatile struct reply *rep = (volatile struct reply *)(SHARED_BASE + SHARED_REPLY);
    const char *phrase = phrases[round - 1];
    uint32_t length = (uint32_t)strlen(phrase);

    req->round = round;
    req->length = length;
    for (uint32_t i = 0; i <= length; i++) req->text[i] = phrase[i];
    uint64_t expected_sum = 0;
    for (uint32_t i = 0; i < REQUEST_NUMBERS; i++) {
        uint32_t n = round * 1000u + i * i * 7u + 3u;
        req->numbers[i] = n;
        expected_sum += n;
    }
    send(MSG_PING | round);
    expect(MSG_PONG, round);

    /* Check the answer against what we expect x86 to have computed. */
    char upper[REQUEST_TEXT_MAX];
    for (uint32_t i = 0; i <= length; i++) upper[i] = pingpong_upper(phrase[i]);
    uint32_t expected_checksum = pingpong_fnv1a(upper, length);
    int text_ok = rep->length == length;
    char answer[REQUEST_TEXT_MAX];
    for (uint32_t i = 0; i < REQUEST_TEXT_MAX; i++) {
        answer[i] = rep->text[i];
        if (i <= length && answer[i] != upper[i]) text_ok = 0;
    }
    answer[REQUEST_TEXT_MAX - 1] = '\0';
    int ok = rep->round == round && text_ok && rep->sum == expected_sum && rep->checksum == expected_checksum;
    kprintf("[arm] round %u: \"%s\" sum=%llu checksum=%08x %s\n", round, answer,
            (unsigned long long)rep->sum, rep->checksum, ok ? "ok" : "MISMATCH");
    return ok;
}

int kmain(void) {
    UART_CR = UART_CR_ENABLE;
    mailbox_interrupt_init();
    volatile struct shared_header *header = (volatile struct shared_header *)(SHARED_BASE + SHARED_HEADER);
    header->magic = SHARED_MAGIC;
    header->rounds = PINGPONG_ROUNDS;

    kprintf("[arm] hello from AArch64 (Cortex-A53, EL1), shared RAM at 0x%lx\n", SHARED_BASE);
    send(MSG_HELLO);
    expect(MSG_READY, 0);

    uint32_t passed = 0;
    for (uint32_t round = 1; round <= PINGPONG_ROUNDS; round++) passed += (uint32_t)run_round(round);

    send(MSG_DONE);
    expect(MSG_BYE, 0);
    int code = passed == PINGPONG_ROUNDS ? 0 : 1;
    kprintf("[arm] %u/%u rounds passed, exiting with %d\n", passed, PINGPONG_ROUNDS, code);
    sim_exit(code);
}
