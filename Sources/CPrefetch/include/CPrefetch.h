// SPDX-License-Identifier: Apache-2.0
// A CPU cache hint Swift has no spelling for.
#ifndef JOBSTATUSD_CPREFETCH_H
#define JOBSTATUSD_CPREFETCH_H

/// Asks the CPU to bring the cache line at `address` in for a read soon, without waiting for it
/// (the dedup table's lookups of a batch's next records are cache misses otherwise).
static inline void jsd_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

#endif
