// SPDX-License-Identifier: BSD-3-Clause
//
// IOWorker: PyNVMe3's I/O generator (PyNVMe3's IO models document, section 1).  One IOWorker is one
// thread of its own driving one Qpair of its own, created on the namespace's
// controller by start() and deleted by close(); the test thread meanwhile
// keeps the admin queue and may send admin commands, reset the controller, ...
//
//   // Python: nvme0n1.ioworker(io_size=8, lba_random=True, read_percentage=0,
//   //                          time=2).start().close()
//   auto r = nvme0n1.ioworker({.io_size = 8, .time = 2, .read_percentage = 0}).start().close();
//
//   // Python: with nvme0n1.ioworker(io_size=8, time=10): nvme0.reset()
//   {
//       auto w = nvme0n1.ioworker({.io_size = 8, .time = 10}).start();
//       nvme0.reset();
//   }   // the scope guard: the destructor closes (the result is then dropped)
//
// Parameters are the fields of IOWorkerArgs, in declaration order (C++
// designated initializers must keep it).  Same names, units and defaults as
// PyNVMe3; see each field.  Parameters that are unknown to C++ simply do not
// compile; contradictory or out-of-range values throw UsageError from
// Namespace::ioworker(), before anything reaches the device.
//
// The worker draws its random numbers from its own xoshiro256** generator,
// seeded from nvmetest::rand64() of the thread that calls ioworker(): after
// srand(seed), the same program creates workers that make the same choices
// (sizes, LBAs, opcodes, random data).
//
// Hot path: requests, data buffers (one DMA region per worker, one slot per
// queue entry) and statistics are preallocated; an I/O takes no lock, makes no
// system call and allocates nothing; submissions are batched: as many as the
// queue depth allows, then one doorbell update.  The worker polls its
// completion queue while completions arrive or commands are due; after
// idle_spin_us with nothing to do it blocks on the queue's interrupt (MSI-X or
// MSI, when the controller has them set up) or sleeps until its next command
// is due, so cpu_usage counts the I/O and not the waiting (see idle_spin_us).
// start() turns the controller's shadow doorbells with EventIdx on (Doorbell
// Buffer Config with library memory) when it supports them, they are off, no
// other IOWorker of the controller holds a queue, and
// ControllerOptions::shadow_doorbell is not false; they then stay on for
// every queue of the controller (across reset()).
//
// Zoned namespaces (CSI 02h; docs/porting-from-pynvme.md, "IOWorker on a
// zoned namespace"): start() reads the zones of the worker's regions (Report
// Zones) and the open/active limits (MOR/MAR), and every Write or Write Zeroes
// of the generated workload goes to a zone's write pointer, which the worker
// keeps itself.  One write per zone is in flight at a time (a controller may
// reorder the commands of a queue); the worker writes one zone at a time for
// sequential I/O (zones in LBA order from the zone of lba_start) and up to
// qdepth zones for random I/O (lba_random then picks the zone, not the LBA),
// never more than the open and active resources left beside the zones
// already open or closed at start().  A write is cut to the room left before
// the zone capacity; lba_align and lba_step apply to the other commands only.
// Those go where the plan puts them (reads beyond a write pointer included)
// and are cut at zone boundaries unless the namespace reads across them.
// When no zone of the regions can take another write (full, read only,
// offline, or beyond the resources), the worker sends no more commands: a
// sequential write pass ends so; a run with time, io_count or lba_count ends
// early with error 0 and a warning at close().  Nothing is ever reset or
// finished by the worker.  io_sequence commands are sent as given.  The
// write pointers are the worker's own: workers writing the same zones at once
// collide (Zone Invalid Write); give each its own zones.
//
// Controller::reset(), Pcie::reset()/flr()/link_disable_enable() and the
// release of the Controller (Subsystem::poweroff() through QMP) stop every
// worker of the device first: it ends with error kIOWorkerTerminated (-7) and
// the counts so far.  A controller disabled behind the library's back (CC.EN
// written through nvme0[0x14]: CSTS.RDY 0, CSTS.CFS 1 or all ones) is seen
// by the worker once it has had no completion for about a millisecond
// (blocked, it wakes that often while commands are in flight) and ends it
// the same way; commands that time out (the controller's I/O timeout) end it
// with kIOWorkerIoTimeout (-3), seen at most about a millisecond late.  A
// blocked worker is woken at once by a stop and sleeps no further than its
// time limit.  A surprise removal from outside the test faults
// the worker's next BAR access (SIGBUS), as it faults any user of the BAR.
#ifndef NVMETEST_IOWORKER_H
#define NVMETEST_IOWORKER_H

#include "nvmetest/cxx20.h"

#include <array>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace nvmetest {

// error of IOWorkerResult: 0, an NVMe status (SCT << 8 | SC, e.g. 0x281 for
// an unrecovered read error) when a command failed, or one of these.
inline constexpr int kIOWorkerSuccess = 0;
inline constexpr int kIOWorkerInitFail = -1;         // setup failed (message warned)
inline constexpr int kIOWorkerIoSizeOverMdts = -2;   // an io_size beyond MDTS: no I/O sent
inline constexpr int kIOWorkerIoTimeout = -3;        // a command timed out (all-ones CQE)
inline constexpr int kIOWorkerTimeout = -4;          // overran time by kIOWorkerTimeoutGraceSec
inline constexpr int kIOWorkerBufferAllocFail = -5;  // its DMA memory could not be allocated
inline constexpr int kIOWorkerIoCmdError = -6;       // a command could not be submitted
inline constexpr int kIOWorkerTerminated = -7;       // controller reset or lost while running
inline constexpr int kIOWorkerSlowIo = -8;           // a command took longer than slow_latency
inline constexpr int kIOWorkerCreateQpairFail = -9;  // its I/O queue pair could not be created
inline constexpr int kIOWorkerIllegalSectorSize = -10;  // LBA format with separate metadata
// -4, as pynvme's ioworker: a worker with a time limit stops sending at
// `time`, then waits for the commands still in flight; when that wait lasts
// beyond the limit by more than this grace, the worker gives up on them and
// ends with kIOWorkerTimeout and the counts so far.  Such a drain is a
// device that completes commands, but slowly (every command within its own
// timeout, else kIOWorkerIoTimeout comes first), or commands whose timeout
// (Controller::set_timeout_ms) is longer than the grace.  A worker without a
// time limit (time 0) never ends with -4.
inline constexpr double kIOWorkerTimeoutGraceSec = 30;
// Data verification found a read's data differing from what was written (the
// command itself succeeded).  PyNVMe3 reports it as status 02/81h,
// Unrecovered Read Error; so does the IOWorker (docs/verification.md).
inline constexpr int kIOWorkerDataMismatch = 0x281;

// io_size: LBAs per command.  A fixed size (8), a list of sizes drawn with
// equal probability ({8, 16, 256}), a map of size to weight ({{8, 50}, {16,
// 25}, {256, 25}}: weights are ratios, e.g. percentages), or
// IoSize::range(1, 8) for Python's range(1, 8) (sizes 1..7).
class IoSize {
public:
    IoSize(std::uint32_t lbas) : weights_{{lbas, 1}} {}
    IoSize(std::initializer_list<std::uint32_t> sizes);
    IoSize(std::initializer_list<std::pair<const std::uint32_t, std::uint32_t>> weights)
        : weights_(weights) {}
    IoSize(std::map<std::uint32_t, std::uint32_t> weights) : weights_(std::move(weights)) {}
    // Sizes begin .. end - 1, each equally likely.
    static IoSize range(std::uint32_t begin, std::uint32_t end);

    const std::map<std::uint32_t, std::uint32_t>& weights() const noexcept { return weights_; }

private:
    std::map<std::uint32_t, std::uint32_t> weights_;
};

// lba_random: true (100% random LBAs), false (sequential) or a percentage of
// random commands, 0..100.
class LbaRandom {
public:
    LbaRandom(bool random) : percent_(random ? 100 : 0) {}
    LbaRandom(int percent) : percent_(percent) {}
    int percent() const noexcept { return percent_; }

private:
    int percent_;
};

// region_start / region_end: one LBA or a list of them (several regions).
class LbaList {
public:
    LbaList() = default;
    LbaList(std::uint64_t lba) : lbas_{lba} {}
    LbaList(std::initializer_list<std::uint64_t> lbas) : lbas_(lbas) {}
    LbaList(std::vector<std::uint64_t> lbas) : lbas_(std::move(lbas)) {}
    const std::vector<std::uint64_t>& lbas() const noexcept { return lbas_; }

private:
    std::vector<std::uint64_t> lbas_;
};

// One command of io_sequence: (slba, nlb, opcode, time_sent_us).
struct IoSequenceEntry {
    std::uint64_t slba = 0;
    std::uint32_t nlb = 1;
    std::uint8_t opcode = 2;
    std::uint64_t time_sent_us = 0;  // from the worker's start
};

// One record of output_cmdlog_list: (slba, nlb, opcode, time_sent_us,
// time_cplt_us, status), and psdt and sent_index.  Times are microseconds
// from the worker's start (test_start_sec/nsec); status is the CQE's status
// field without the phase bit (0xffff for a command that timed out); psdt is
// the command's CDW0 PSDT (0: PRPs, 1: an SGL, see sgl_percentage).  Records
// are kept in completion order, as PyNVMe3 keeps them; sent_index is the
// command's place in submission order (0 for the worker's first command), so
// sorting by it gives the order the commands were sent in, which
// time_sent_us cannot (a batch goes out within one microsecond).
struct IOWorkerCmdlogRecord {
    std::uint64_t slba = 0;
    std::uint32_t nlb = 0;
    std::uint8_t opcode = 0;
    std::uint64_t time_sent_us = 0;
    std::uint64_t time_cplt_us = 0;
    std::uint16_t status = 0;
    std::uint8_t psdt = 0;
    std::uint64_t sent_index = 0;
};

struct IOWorkerArgs {
    IoSize io_size = 8;          // LBAs per command (see IoSize)
    // Every slba is a multiple of this (LBAs).  Sequential commands go to the
    // next multiple at or after the previous command's end (or its step): an
    // io_size or lba_step that is not a multiple leaves the LBAs between
    // unaccessed, and ioworker() warns.
    std::uint64_t lba_align = 1;
    double time = 0;             // seconds to run; 0: no time limit
    // Commands to send; 0: unlimited.  Without time, io_count and lba_count
    // a sequential worker (lba_random false) makes one pass over its regions.
    std::uint64_t io_count = 0;
    std::uint64_t lba_count = 0; // LBAs to process (the last command is cut to fit); 0: unlimited
    LbaRandom lba_random = true;
    // The first sequential slba; default region_start (the first region's).
    std::optional<std::uint64_t> lba_start{};
    // Sequential only: LBAs from one slba to the next, negative and zero
    // included; default: the size of the command just sent (contiguous).
    std::optional<std::int64_t> lba_step{};
    // Epoch seconds (Python's time.time()) before which no command is sent.
    std::optional<double> start_time{};
    int read_percentage = 100;   // reads among reads and writes, 0..100
    // {opcode: percent}, any I/O opcodes, two-decimal percentages summing to
    // 100.00; takes precedence over read_percentage.  Read (2), write (1),
    // compare (5) carry data; DSM (9) deallocates the command's LBA range;
    // flush (0) has none; others send slba/nlb/io_flags in dwords 10-12, with
    // data per opcode bits 1:0 (1 to the device, 2 from it).
    std::map<std::uint8_t, double> op_percentage{};
    // Share of the data-moving commands whose buffer is described by an SGL
    // (PSDT 01b, one SGL Data Block descriptor in SGL1) instead of PRPs,
    // 0..100; drawn per command.  Whether the controller takes SGLs is its
    // business (Identify Controller SGLS): a refusal is a command's status.
    unsigned sgl_percentage = 0;
    unsigned qdepth = 63;        // commands in flight; the queue has qdepth + 1 entries
    unsigned qprio = 0;          // SQ priority (QPRIO) for weighted round robin
    LbaList region_start = 0;    // first LBA of each region
    LbaList region_end{};        // end (excluded) of each region; default: capacity
    // Commands per second at most; 0: unlimited.  A ceiling: no second of
    // output_io_per_second counts more (commands in flight count against
    // the second they may complete in), commands are spread evenly over the
    // second, and time the worker lost (a stalled process, a slow device) is
    // not made up afterwards by a burst.
    std::uint32_t iops = 0;
    std::uint16_t io_flags = 0;  // dword 12 bits 31:16 (0x4000: FUA)
    // 100 weights summing to 10000 over 100 equal parts of the (single)
    // region, for random LBAs (the JEDEC workload).
    std::vector<std::uint32_t> distribution{};
    // Data pattern of written data, as Buffer's (nvmetest/pattern.h); the
    // default is random, incompressible data.
    std::uint64_t pvalue = 100;
    std::uint32_t ptype = 0xbeef;
    // Exactly these commands, each at its time; replaces the generated workload.
    std::vector<IoSequenceEntry> io_sequence{};
    std::uint64_t slow_latency = 1'000'000;  // microseconds: slower commands are warned
    bool exit_on_error = true;   // stop at the first failed command
    // With the namespace's data verification on (the verify fixture,
    // Namespace::verify_enable), the worker verifies as single commands do:
    // writes inject header and token and store check values, reads are
    // checked (a mismatch: error kIOWorkerDataMismatch and a warning at
    // close()), Compare and Verify statuses are checked against the map (a
    // Compare Failure the map predicted or cannot rule out is not an error; a
    // contradiction is a mismatch: docs/verification.md), every command takes the LBA locks.  verify_disable: reads go
    // unchecked and nothing is injected or summed; commands that change media
    // still take the locks and leave their LBAs unknown, so no other I/O is
    // checked against data this worker replaced.
    bool verify_disable = false;
    std::optional<unsigned> cpu_id{};  // pin the worker's thread to this CPU
    // Filled by close(): commands completed in each second of the run (the
    // last partial second too, unless the run ended by its time limit).
    std::vector<std::uint64_t>* output_io_per_second = nullptr;
    // Filled by close(): for each percentile key, the latency in whole
    // microseconds (nearest rank; never below the fastest command nor above
    // latency_max_us); also fills IOWorkerResult::latency_distribution.  The
    // worker then counts latencies per microsecond: 8 MB of memory.
    std::map<double, double>* output_percentile_latency = nullptr;
    // Only commands of this opcode count in the percentiles and the
    // distribution; default: every command.
    std::optional<std::uint8_t> output_percentile_latency_opcode{};
    // Filled by close() with the latest size() commands (a list of that many
    // entries, as Python's [None] * 1000), oldest first; fewer if fewer ran.
    std::vector<IOWorkerCmdlogRecord>* output_cmdlog_list = nullptr;
    bool cmdlog_error_only = false;  // output_cmdlog_list keeps failed commands only
    // nvmetest's own (PyNVMe3 has no such parameter): microseconds the
    // worker polls its completion queue with nothing to do (no completion,
    // nothing due to submit) before it blocks on the queue's interrupt.
    // Blocked, it uses no CPU, so cpu_usage shows what the I/O costs rather
    // than the waiting; each block costs a wake-up (under QEMU TCG about
    // 100 us more latency for a QD1 read).  0: block at once.  Negative: never
    // block while commands are in flight (the lowest latency; cpu_usage
    // about 1 whenever commands are), as PyNVMe3's workers do.  Waits for
    // the rate limit (iops) or an io_sequence time sleep either way.
    // Default (unset): -1 when qdepth is at most 2, 10 otherwise: a worker
    // that keeps one or two commands in flight measures latency, which a
    // wake-up per command would double under TCG; a deeper one measures
    // throughput, where blocking between batches gives the host's cores back
    // to the device.  See docs/perf.md, "IOWorker: idle back-off".
    std::optional<std::int64_t> idle_spin_us{};
};

// What close() returns (IO models, section 1.3).
struct IOWorkerResult {
    std::uint64_t io_count_read = 0;     // read commands completed
    std::uint64_t io_count_nonread = 0;  // every other command completed
    std::uint64_t io_count_write = 0;    // write commands completed
    std::uint64_t lba_count_read = 0;
    std::uint64_t lba_count_nonread = 0;
    std::uint64_t lba_count_write = 0;
    // LBAs read whose data was checked against a known check value (data
    // verification on; LBAs the map does not know pass unchecked and are not
    // counted).  Not a PyNVMe3 field.
    std::uint64_t lba_count_verified = 0;
    std::uint64_t mseconds = 0;          // from the first command to the last completion
    std::uint64_t latency_max_us = 0;
    std::uint64_t latency_average_us = 0;
    int error = kIOWorkerSuccess;        // see kIOWorker*; an NVMe status when > 0
    std::array<std::uint32_t, 16> error_cmd{};  // SQE of the command behind error
    std::array<std::uint32_t, 4> error_cpl{};   // its CQE (all ones: timed out)
    // Worker thread CPU time / wall time, 0..1 (the two clocks may disagree
    // by a few percent: a thread busy all the time reports 1).
    double cpu_usage = 0;
    std::int64_t test_start_sec = 0;     // epoch time of the start, seconds
    std::int64_t test_start_nsec = 0;    // and nanoseconds
    // Commands by latency in whole microseconds (IO models, section 1.3): one
    // count per microsecond, index 0..999999, and at index 1000000 every
    // command of a second or more; empty unless output_percentile_latency.
    std::vector<std::uint64_t> latency_distribution{};
};

// A live snapshot of a running IOWorker (IOWorker::progress()): what it has
// completed so far, one consistent batch of completions.  The counts mean
// what IOWorkerResult's mean.  A live average latency over an interval is
// the difference of latency_sum_us over the difference of completed I/Os;
// rates are differences of counts over the difference of mseconds (or of the
// reader's own clock).
struct IOWorkerProgress {
    std::uint64_t io_count_read = 0;
    std::uint64_t io_count_nonread = 0;
    std::uint64_t io_count_write = 0;
    std::uint64_t lba_count_read = 0;
    std::uint64_t lba_count_nonread = 0;
    std::uint64_t lba_count_write = 0;
    std::uint64_t mseconds = 0;          // from the first command to this snapshot
    std::uint64_t latency_sum_us = 0;    // of every completed command
    std::uint64_t latency_max_us = 0;
    // io_count_read + io_count_nonread
    std::uint64_t io_count() const noexcept { return io_count_read + io_count_nonread; }
    bool operator==(const IOWorkerProgress&) const = default;
};

// The checks of Namespace::ioworker() that need no device, for a tool that
// wants to refuse a bad command line before it opens one: throws UsageError
// as ioworker() would.  What only the device knows is checked by ioworker():
// region_end and io_sequence against the capacity, qdepth against CAP.MQES,
// io_size against MDTS (the latter at start()).
void check_ioworker_args(const IOWorkerArgs& args);

class IOWorker {
public:
    struct Impl;
    explicit IOWorker(std::unique_ptr<Impl> impl);
    IOWorker(IOWorker&&) noexcept;
    IOWorker& operator=(IOWorker&&) noexcept;
    IOWorker(const IOWorker&) = delete;
    IOWorker& operator=(const IOWorker&) = delete;
    // Closes a started worker (Python's with): waits for it; never throws.
    ~IOWorker();

    // Creates the Qpair and starts the thread.  A setup failure does not
    // throw: it becomes the result's error (-1, -2, -5, -9, -10).  Starting
    // twice throws UsageError.
    IOWorker& start() &;
    IOWorker start() &&;
    // Waits for the end of the workload, deletes the Qpair and returns the
    // result; again: the same result.  UsageError when never started.
    IOWorkerResult close();
    // Whether the thread still sends or waits for commands.
    bool running() const;
    // What the worker has done so far; callable from any thread at any time,
    // it never makes the worker wait.  The worker publishes at most once a
    // millisecond, after a batch of completions, and at its end: once
    // running() is false (and after close()) the snapshot holds the final
    // counts, mseconds and latency_max_us of the result.  Zero before start().
    IOWorkerProgress progress() const;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace nvmetest

#endif  // NVMETEST_IOWORKER_H
