// SPDX-License-Identifier: BSD-3-Clause
//
// nvmetest-bench-cmd: what the measured loop must not do, counted.
//   - heap allocations: every replaceable global operator new (alloc_counter.cpp);
//   - lock acquisitions: pthread mutex, rwlock and spinlock acquisitions and
//     semaphore waits, interposed in this executable and forwarded to libc
//     (lock_counter.cpp);
//   - system calls: a seccomp filter on the measuring thread traps every system
//     call made from anywhere but one trampoline; the SIGSYS handler counts it
//     and executes it through the trampoline (syscall_counter.cpp).
// Each counter has a per-thread and (where it makes sense) a process-wide form.
#ifndef NVMETEST_BENCH_CMD_COUNTERS_H
#define NVMETEST_BENCH_CMD_COUNTERS_H

#include <cstdint>
#include <string>
#include <vector>

namespace bench {

std::uint64_t allocs_this_thread() noexcept;
std::uint64_t allocs_process() noexcept;

std::uint64_t locks_this_thread() noexcept;
std::uint64_t locks_process() noexcept;

// Installs the system call trap on the calling thread (for the rest of its
// life; threads it creates inherit it).  Returns an empty string on success,
// else why not.
std::string trap_syscalls_in_this_thread();
// System calls trapped so far (all trapped threads), and the numbers of the
// most recent ones (at most 64, oldest first).
std::uint64_t syscalls_trapped() noexcept;
std::vector<long> recent_syscall_numbers();

}  // namespace bench

#endif  // NVMETEST_BENCH_CMD_COUNTERS_H
