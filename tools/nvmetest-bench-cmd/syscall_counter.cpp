// SPDX-License-Identifier: BSD-3-Clause
//
// System calls, counted exactly, with no tracer and no privilege: the
// measuring thread installs a seccomp filter that lets through
//   - system calls made by one trampoline (the filter compares the
//     instruction pointer with the address after its syscall instruction),
//   - rt_sigreturn (the return from the handler below), exit and exit_group,
// and traps every other one (SECCOMP_RET_TRAP: the call is not executed and
// the thread gets SIGSYS).  The SIGSYS handler counts the call, remembers its
// number, executes it through the trampoline with the saved registers and
// puts the result where the interrupted code expects it; the program runs on
// unchanged.  Seccomp filters cannot be removed, so the thread keeps the trap
// until it ends; the benchmark runs its measured loop in a thread of its own.
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "counters.h"

#if !defined(__x86_64__)
#error "the system call trap is written for x86-64"
#endif

// long nvmetest_bench_syscall(long nr, long a1, ..., long a6): the only place
// whose system calls the filter lets through.
extern "C" long nvmetest_bench_syscall(long, long, long, long, long, long, long);
extern "C" const char nvmetest_bench_syscall_after[];
asm(R"(
    .text
    .globl nvmetest_bench_syscall
    .globl nvmetest_bench_syscall_after
    .type nvmetest_bench_syscall, @function
nvmetest_bench_syscall:
    movq %rdi, %rax
    movq %rsi, %rdi
    movq %rdx, %rsi
    movq %rcx, %rdx
    movq %r8, %r10
    movq %r9, %r8
    movq 8(%rsp), %r9
    syscall
nvmetest_bench_syscall_after:
    ret
    .size nvmetest_bench_syscall, .-nvmetest_bench_syscall
)");

namespace {

constexpr std::size_t kRecent = 64;
std::atomic<std::uint64_t> g_trapped{0};
std::array<std::atomic<long>, kRecent> g_recent{};

void on_sigsys(int, siginfo_t* info, void* context)
{
    auto* uc = static_cast<ucontext_t*>(context);
    greg_t* r = uc->uc_mcontext.gregs;
    const std::uint64_t n = g_trapped.fetch_add(1, std::memory_order_relaxed);
    g_recent[n % kRecent].store(info->si_syscall, std::memory_order_relaxed);
    const int saved_errno = errno;
    r[REG_RAX] = nvmetest_bench_syscall(info->si_syscall, r[REG_RDI], r[REG_RSI], r[REG_RDX],
                                        r[REG_R10], r[REG_R8], r[REG_R9]);
    errno = saved_errno;
}

}  // namespace

namespace bench {

std::string trap_syscalls_in_this_thread()
{
    struct sigaction sa {};
    sa.sa_sigaction = on_sigsys;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSYS, &sa, nullptr) != 0)
        return std::string("sigaction(SIGSYS): ") + std::strerror(errno);
    sigset_t sys;
    sigemptyset(&sys);
    sigaddset(&sys, SIGSYS);
    pthread_sigmask(SIG_UNBLOCK, &sys, nullptr);

    // The kernel reports the address after the syscall instruction (2 bytes);
    // the one before is accepted too, so that either reading works.
    const auto ip = reinterpret_cast<std::uint64_t>(nvmetest_bench_syscall_after);
    const auto ip_lo = static_cast<std::uint32_t>(ip);
    const auto ip_hi = static_cast<std::uint32_t>(ip >> 32);
    constexpr std::uint32_t kNr = offsetof(seccomp_data, nr);
    constexpr std::uint32_t kArch = offsetof(seccomp_data, arch);
    constexpr std::uint32_t kIpLo = offsetof(seccomp_data, instruction_pointer);
    constexpr std::uint32_t kIpHi = kIpLo + 4;
    sock_filter prog[] = {
        /* 0 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, kArch),
        /* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
        /* 2 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),  // not x86-64 code
        /* 3 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, kNr),
        /* 4 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_rt_sigreturn, 7, 0),
        /* 5 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_exit, 6, 0),
        /* 6 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_exit_group, 5, 0),
        /* 7 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, kIpLo),
        /* 8 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ip_lo, 1, 0),
        /* 9 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ip_lo - 2, 0, 3),
        /* 10 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, kIpHi),
        /* 11 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ip_hi, 0, 1),
        /* 12 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        /* 13 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
    };
    sock_fprog fprog{static_cast<unsigned short>(sizeof(prog) / sizeof(prog[0])), prog};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return std::string("prctl(PR_SET_NO_NEW_PRIVS): ") + std::strerror(errno);
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) != 0)
        return std::string("seccomp(SECCOMP_SET_MODE_FILTER): ") + std::strerror(errno);
    return {};
}

std::uint64_t syscalls_trapped() noexcept { return g_trapped.load(std::memory_order_relaxed); }

std::vector<long> recent_syscall_numbers()
{
    const std::uint64_t n = syscalls_trapped();
    std::vector<long> out;
    for (std::uint64_t i = n > kRecent ? n - kRecent : 0; i < n; i++)
        out.push_back(g_recent[i % kRecent].load(std::memory_order_relaxed));
    return out;
}

}  // namespace bench
