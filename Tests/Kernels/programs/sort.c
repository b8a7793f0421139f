/* sort.c - quicksort and mergesort of a pseudo-random array; checks order and agreement. */
#include "kernel.h"

#define N 3000

static uint32_t original[N];
static uint32_t qa[N];
static uint32_t ma[N];
static uint32_t tmp[N];

static uint32_t rng_state = 0x12345678u;

static uint32_t next_random(void) {
    /* xorshift32 */
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    rng_state = x;
    return x;
}

static void swap(uint32_t *a, uint32_t *b) {
    uint32_t t = *a;
    *a = *b;
    *b = t;
}

/* Hoare-partition quicksort with median-of-three pivot; recurses on the smaller side. */
static void quicksort(uint32_t *a, long lo, long hi) {
    while (lo < hi) {
        long mid = lo + (hi - lo) / 2;
        if (a[mid] < a[lo]) swap(&a[mid], &a[lo]);
        if (a[hi] < a[lo]) swap(&a[hi], &a[lo]);
        if (a[hi] < a[mid]) swap(&a[hi], &a[mid]);
        uint32_t pivot = a[mid];
        long i = lo - 1, j = hi + 1;
        for (;;) {
            do i++; while (a[i] < pivot);
            do j--; while (a[j] > pivot);
            if (i >= j) break;
            swap(&a[i], &a[j]);
        }
        if (j - lo < hi - j) {
            quicksort(a, lo, j);
            lo = j + 1;
        } else {
            quicksort(a, j + 1, hi);
            hi = j;
        }
    }
}

/* Top-down mergesort of a[lo, hi) using the scratch buffer. */
static void mergesort(uint32_t *a, uint32_t *scratch, long lo, long hi) {
    if (hi - lo < 2) return;
    long mid = lo + (hi - lo) / 2;
    mergesort(a, scratch, lo, mid);
    mergesort(a, scratch, mid, hi);
    long i = lo, j = mid, k = lo;
    while (i < mid && j < hi) scratch[k++] = (a[j] < a[i]) ? a[j++] : a[i++];
    while (i < mid) scratch[k++] = a[i++];
    while (j < hi) scratch[k++] = a[j++];
    for (k = lo; k < hi; k++) a[k] = scratch[k];
}

static int is_sorted(const uint32_t *a, long n) {
    for (long i = 1; i < n; i++)
        if (a[i - 1] > a[i]) return 0;
    return 1;
}

static uint32_t checksum(const uint32_t *a, long n) {
    uint32_t h = 0;
    for (long i = 0; i < n; i++) h = h * 31u + (a[i] ^ (uint32_t)i);
    return h;
}

int kmain(void) {
    uint64_t sum = 0;
    for (long i = 0; i < N; i++) {
        /* keep some duplicates so partitioning sees equal keys */
        original[i] = (i % 7 == 0) ? 1000u : next_random() % 100000u;
        sum += original[i];
    }
    memcpy(qa, original, sizeof qa);
    memcpy(ma, original, sizeof ma);
    quicksort(qa, 0, N - 1);
    mergesort(ma, tmp, 0, N);

    uint64_t qsum = 0;
    for (long i = 0; i < N; i++) qsum += qa[i];

    int q_ok = is_sorted(qa, N) && qsum == sum;
    int m_ok = is_sorted(ma, N);
    int same = memcmp(qa, ma, sizeof qa) == 0;
    kprintf("sort: n=%d sum=%llu\n", N, (unsigned long long)sum);
    kprintf("sort: min=%u median=%u max=%u\n", qa[0], qa[N / 2], qa[N - 1]);
    kprintf("sort: quicksort %s, mergesort %s, results %s\n", q_ok ? "ok" : "FAIL",
            m_ok ? "ok" : "FAIL", same ? "agree" : "DIFFER");
    kprintf("sort: checksum=0x%08x\n", checksum(qa, N));
    int ok = q_ok && m_ok && same;
    kprintf("sort: %s\n", ok ? "PASS" : "FAIL");
    return ok ? 0 : 1;
}
