// SPDX-License-Identifier: BSD-3-Clause
//
// Lock acquisitions, counted: this executable defines the libc entry points
// that take a lock, so that calls from the program, libnvmetest and libstdc++
// (std::mutex, std::shared_mutex, ...) reach these first (the executable is
// linked with its symbols exported), and forwards each to the next definition
// (libc) found with dlsym(RTLD_NEXT).  A condition variable wait is counted
// through the mutex it takes again.  glibc's internal locks (malloc, stdio)
// are not pthread calls and are not seen here; the allocation counter and the
// system call trap cover those paths.
#include <dlfcn.h>
#include <pthread.h>
#include <semaphore.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "counters.h"

namespace {

std::atomic<std::uint64_t> g_locks{0};
thread_local std::uint64_t t_locks = 0;

void count() noexcept
{
    g_locks.fetch_add(1, std::memory_order_relaxed);
    ++t_locks;
}

// The libc definition of name, looked up on first use.  No function-local
// static: its guard could itself take a mutex.
template <class Fn>
Fn next(std::atomic<Fn>& slot, const char* name) noexcept
{
    Fn f = slot.load(std::memory_order_acquire);
    if (!f) {
        f = reinterpret_cast<Fn>(dlsym(RTLD_NEXT, name));
        if (!f) {
            std::fprintf(stderr, "nvmetest-bench-cmd: no libc %s to forward to\n", name);
            std::abort();
        }
        slot.store(f, std::memory_order_release);
    }
    return f;
}

}  // namespace

namespace bench {
std::uint64_t locks_this_thread() noexcept { return t_locks; }
std::uint64_t locks_process() noexcept { return g_locks.load(std::memory_order_relaxed); }
}  // namespace bench

// One counted forwarder per entry point: name, parameters, arguments, and the
// exception specification glibc's header declares (cancellation points have none).
#define NVMETEST_COUNT_LOCK_SPEC(name, params, args, spec)                      \
    extern "C" int name params spec                                            \
    {                                                                          \
        using Fn = int(*) params;                                              \
        static std::atomic<Fn> real{nullptr};                                  \
        count();                                                               \
        return next(real, #name) args;                                         \
    }
#define NVMETEST_COUNT_LOCK(name, params, args) NVMETEST_COUNT_LOCK_SPEC(name, params, args, noexcept)

NVMETEST_COUNT_LOCK(pthread_mutex_lock, (pthread_mutex_t * m), (m))
NVMETEST_COUNT_LOCK(pthread_mutex_trylock, (pthread_mutex_t * m), (m))
NVMETEST_COUNT_LOCK(pthread_mutex_timedlock, (pthread_mutex_t * m, const struct timespec* t), (m, t))
NVMETEST_COUNT_LOCK(pthread_rwlock_rdlock, (pthread_rwlock_t * l), (l))
NVMETEST_COUNT_LOCK(pthread_rwlock_wrlock, (pthread_rwlock_t * l), (l))
NVMETEST_COUNT_LOCK(pthread_rwlock_tryrdlock, (pthread_rwlock_t * l), (l))
NVMETEST_COUNT_LOCK(pthread_rwlock_trywrlock, (pthread_rwlock_t * l), (l))
NVMETEST_COUNT_LOCK(pthread_rwlock_timedrdlock, (pthread_rwlock_t * l, const struct timespec* t), (l, t))
NVMETEST_COUNT_LOCK(pthread_rwlock_timedwrlock, (pthread_rwlock_t * l, const struct timespec* t), (l, t))
NVMETEST_COUNT_LOCK(pthread_spin_lock, (pthread_spinlock_t * l), (l))
NVMETEST_COUNT_LOCK(pthread_spin_trylock, (pthread_spinlock_t * l), (l))
NVMETEST_COUNT_LOCK_SPEC(sem_wait, (sem_t * s), (s), )
NVMETEST_COUNT_LOCK(sem_trywait, (sem_t * s), (s))
NVMETEST_COUNT_LOCK_SPEC(sem_timedwait, (sem_t * s, const struct timespec* t), (s, t), )
