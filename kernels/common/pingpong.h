/*
 * pingpong.h - the protocol both demo kernels speak on the `hetero` board.
 *
 * The two clusters share a RAM window (ARM sees it at 0x80000000, x86 at
 * 0xC0000000) and talk through a two-port mailbox (boards/hetero.yaml).
 * A mailbox word only says "look at the shared buffer now"; the data itself
 * travels through shared RAM:
 *
 *   ARM  -> x86   MSG_HELLO              ARM has booted and printed its greeting
 *   x86  -> ARM   MSG_READY              x86 has booted and printed its greeting
 *   ARM  -> x86   MSG_PING | round       request for `round` is at SHARED_REQUEST
 *   x86  -> ARM   MSG_PONG | round       answer for `round` is at SHARED_REPLY
 *   ARM  -> x86   MSG_DONE               no more rounds
 *   x86  -> ARM   MSG_BYE                x86 has printed its summary and halts
 *
 * Every line a kernel prints happens between receiving one word and sending
 * the next, and each side drains its UART before sending, so the merged
 * console output has one order for any scheduler quantum.
 *
 * Waiting is done by sleeping (ARM WFI, x86 HLT) until the mailbox interrupt
 * (GIC SPI 16 / IOAPIC input 16) says a word arrived: a sleeping core costs
 * no instructions, so waits of any length are cheap to simulate.
 */
#ifndef CHIMERA_DEMO_PINGPONG_H
#define CHIMERA_DEMO_PINGPONG_H

#include <stdint.h>

#define PINGPONG_ROUNDS 8u

/* Offsets inside the shared RAM window. */
#define SHARED_HEADER 0x000u  /* struct shared_header, written once by ARM */
#define SHARED_REQUEST 0x100u /* struct request, written by ARM */
#define SHARED_REPLY 0x800u   /* struct reply, written by x86 */

#define SHARED_MAGIC 0x50494e47u /* "PING" */

#define MSG_HELLO 0x48454c4fu /* "HELO" */
#define MSG_READY 0x52454459u /* "REDY" */
#define MSG_DONE 0x444f4e45u  /* "DONE" */
#define MSG_BYE 0x20425945u   /* " BYE" */
#define MSG_PING 0x50490000u  /* "PI" + round in the low half */
#define MSG_PONG 0x504f0000u  /* "PO" + round in the low half */
#define MSG_KIND(w) ((w) & 0xffff0000u)
#define MSG_ROUND(w) ((w) & 0x0000ffffu)

#define REQUEST_TEXT_MAX 48u
#define REQUEST_NUMBERS 8u

struct shared_header {
    uint32_t magic;
    uint32_t rounds;
};

struct request {
    uint32_t round;
    uint32_t length; /* bytes of text, excluding the terminating NUL */
    char text[REQUEST_TEXT_MAX];
    uint32_t numbers[REQUEST_NUMBERS];
};

struct reply {
    uint32_t round;
    uint32_t length;
    char text[REQUEST_TEXT_MAX]; /* the request text in upper case */
    uint64_t sum;                /* sum of the request numbers */
    uint32_t checksum;           /* FNV-1a of the upper-case text */
};

/* Mailbox port registers (Sources/Devices/Mailbox.swift). */
#define MBOX_TXDATA 0x00u
#define MBOX_RXDATA 0x08u
#define MBOX_STATUS 0x0cu
#define MBOX_STATUS_RX_NOT_EMPTY (1u << 0)
#define MBOX_STATUS_TX_FULL (1u << 1)
#define MBOX_STATUS_ERROR (1u << 2)
#define MBOX_IRQ_ENABLE 0x10u
#define MBOX_IRQ_RX_LEVEL (1u << 0) /* irq high while the RX FIFO holds >= THRESHOLD (1) words */

static inline uint32_t mbox_reg_read(uintptr_t base, uint32_t offset) {
    return *(volatile uint32_t *)(base + offset);
}

static inline void mbox_reg_write(uintptr_t base, uint32_t offset, uint32_t value) {
    *(volatile uint32_t *)(base + offset) = value;
}

/* Sends one word, waiting while the destination FIFO (plus words in flight) is full. */
static inline void mbox_send(uintptr_t base, uint32_t word) {
    while (mbox_reg_read(base, MBOX_STATUS) & MBOX_STATUS_TX_FULL) {
    }
    mbox_reg_write(base, MBOX_TXDATA, word);
}

/*
 * Waits until a word has arrived, then pops it. `idle` sleeps until the next interrupt
 * (WFI, HLT); a wake-up for any other reason only costs another look at STATUS, so
 * correctness never depends on the interrupt arriving.
 */
static inline uint32_t mbox_receive(uintptr_t base, void (*idle)(void)) {
    while ((mbox_reg_read(base, MBOX_STATUS) & MBOX_STATUS_RX_NOT_EMPTY) == 0) idle();
    return mbox_reg_read(base, MBOX_RXDATA);
}

/* The transformation x86 applies and ARM checks. */
static inline char pingpong_upper(char c) {
    return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

static inline uint32_t pingpong_fnv1a(const volatile char *text, uint32_t length) {
    uint32_t h = 0x811c9dc5u;
    for (uint32_t i = 0; i < length; i++) {
        h ^= (uint8_t)text[i];
        h *= 0x01000193u;
    }
    return h;
}

#endif
