/*
 * x86/demo.c - the x86-64 side of the heterogeneous ping-pong demo.
 *
 * Runs on x86.cpu[0] of boards/hetero.yaml. It answers: after ARM's HELLO it
 * greets, then for every PING reads the request from the shared RAM, writes
 * the upper-case phrase, the sum of the numbers and a checksum back, and
 * replies PONG. After DONE it prints a summary, says BYE and halts; the ARM
 * side ends the simulation.
 *
 * Console: COM1 via kputc() from Tests/Kernels/platform/x86_64-pc.
 */
#include "kernel.h"
#include "pingpong.h"

#define SHARED_BASE 0xc0000000ul
#define MAILBOX_BASE 0xfed00000ul /* mailbox port[1] */
#define COM1_LSR 0x3fdu
#define LSR_TEMT (1u << 6)
#define IOAPIC_BASE 0xfec00000ul
#define LAPIC_BASE 0xfee00000ul
#define MAILBOX_PIN 16u    /* IOAPIC input the mailbox drives */
#define MAILBOX_VECTOR 0x40u
#define REG32(addr) (*(volatile uint32_t *)(addr))

/* 64-bit interrupt gate descriptors (Intel SDM Vol. 3A, 6.14.1). */
struct idt_gate {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attributes;
    uint16_t offset_mid;
    uint32_t offset_high;
    uint32_t reserved;
};

static struct idt_gate idt[256] __attribute__((aligned(16)));

/* Every vector lands here: acknowledge at the local APIC and return; the main loop
 * looks at the mailbox itself. */
void interrupt_entry(void);
__asm__(".text\n"
        ".global interrupt_entry\n"
        "interrupt_entry:\n"
        "    pushq %rax\n"
        "    movabsq $0xfee000b0, %rax\n" /* local APIC EOI */
        "    movl $0, (%rax)\n"
        "    popq %rax\n"
        "    iretq\n");

/*
 * Interrupt path: IDT -> local APIC (enabled through SVR) -> IOAPIC redirection
 * entry for the mailbox pin (edge, active high, fixed, to APIC 0) -> mailbox RX interrupt.
 */
static void mailbox_interrupt_init(void) {
    uint16_t cs;
    __asm__ volatile("mov %%cs, %0" : "=r"(cs));
    uint64_t handler = (uint64_t)(uintptr_t)interrupt_entry;
    for (unsigned v = 0; v < 256; v++) {
        idt[v].offset_low = (uint16_t)handler;
        idt[v].selector = cs;
        idt[v].ist = 0;
        idt[v].type_attributes = 0x8e; /* present, DPL 0, 64-bit interrupt gate */
        idt[v].offset_mid = (uint16_t)(handler >> 16);
        idt[v].offset_high = (uint32_t)(handler >> 32);
        idt[v].reserved = 0;
    }
    struct __attribute__((packed)) {
        uint16_t limit;
        uint64_t base;
    } idtr = {sizeof(idt) - 1, (uint64_t)(uintptr_t)idt};
    __asm__ volatile("lidt %0" : : "m"(idtr) : "memory");

    REG32(LAPIC_BASE + 0x80) = 0;     /* TPR: accept every priority */
    REG32(LAPIC_BASE + 0xf0) = 0x1ff; /* SVR: APIC enabled, spurious vector 0xff */
    REG32(IOAPIC_BASE + 0x00) = 0x10 + 2 * MAILBOX_PIN + 1;
    REG32(IOAPIC_BASE + 0x10) = 0u << 24; /* destination APIC ID 0 */
    REG32(IOAPIC_BASE + 0x00) = 0x10 + 2 * MAILBOX_PIN;
    REG32(IOAPIC_BASE + 0x10) = MAILBOX_VECTOR; /* unmasked, edge, active high, fixed, physical */
    mbox_reg_write(MAILBOX_BASE, MBOX_IRQ_ENABLE, MBOX_IRQ_RX_LEVEL);
}

/* Called with interrupts off after STATUS showed nothing: STI's one-instruction shadow
 * makes "sti; hlt" atomic, so an interrupt that is already pending wakes the HLT. */
static void idle(void) { __asm__ volatile("sti; hlt; cli" ::: "memory"); }

static inline uint8_t inb(uint16_t port) {
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port) : "memory");
    return v;
}

/* Waits until COM1 has put every queued character on the wire. */
static void uart_drain(void) {
    while ((inb(COM1_LSR) & LSR_TEMT) == 0) {
    }
}

/* Flushes the console, then sends one mailbox word to the ARM cluster. */
static void send(uint32_t word) {
    uart_drain();
    mbox_send(MAILBOX_BASE, word);
}

static void halt(void) __attribute__((noreturn));
static void halt(void) {
    uart_drain();
    for (;;) __asm__ volatile("cli; hlt");
}

/* Answers one PING; returns the number of characters transformed. */
static uint32_t answer(uint32_t round) {
    volatile struct request *req = (volatile struct request *)(SHARED_BASE + SHARED_REQUEST);
    volatile struct reply *rep = (volatile struct reply *)(SHARED_BASE + SHARED_REPLY);
    uint32_t length = req->length;
    if (req->round != round || length >= REQUEST_TEXT_MAX) {
        kprintf("[x86] round %u: bad request (round %u, length %u)\n", round, req->round, length);
        length = 0;
    }
    char text[REQUEST_TEXT_MAX];
    for (uint32_t i = 0; i < length; i++) text[i] = pingpong_upper(req->text[i]);
    text[length] = '\0';
    uint64_t sum = 0;
    for (uint32_t i = 0; i < REQUEST_NUMBERS; i++) sum += req->numbers[i];

    rep->round = round;
    rep->length = length;
    for (uint32_t i = 0; i <= length; i++) rep->text[i] = text[i];
    rep->sum = sum;
    rep->checksum = pingpong_fnv1a(text, length);
    kprintf("[x86] round %u: %u bytes, %u numbers -> \"%s\" sum=%llu\n", round, length, REQUEST_NUMBERS, text,
            (unsigned long long)sum);
    return length;
}

int kmain(void) {
    mailbox_interrupt_init();
    uint32_t word = mbox_receive(MAILBOX_BASE, idle);
    volatile struct shared_header *header = (volatile struct shared_header *)(SHARED_BASE + SHARED_HEADER);
    if (word != MSG_HELLO || header->magic != SHARED_MAGIC) {
        kprintf("[x86] unexpected first message 0x%08x (magic 0x%08x)\n", word, header->magic);
        halt();
    }
    kprintf("[x86] hello from x86-64 (long mode), shared RAM at 0x%lx, %u rounds\n", SHARED_BASE,
            header->rounds);
    send(MSG_READY);

    uint32_t rounds = 0, bytes = 0;
    for (;;) {
        word = mbox_receive(MAILBOX_BASE, idle);
        if (word == MSG_DONE) break;
        if (MSG_KIND(word) != MSG_PING) {
            kprintf("[x86] unexpected message 0x%08x\n", word);
            halt();
        }
        bytes += answer(MSG_ROUND(word));
        rounds++;
        send(MSG_PONG | MSG_ROUND(word));
    }
    kprintf("[x86] answered %u rounds, %u bytes upper-cased; halting\n", rounds, bytes);
    send(MSG_BYE);
    halt();
}
