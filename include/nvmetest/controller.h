// SPDX-License-Identifier: BSD-3-Clause
//
// Controller: an NVMe controller on a Pcie, as PyNVMe3's Controller class (API
// section 3).  Admin commands return at once; waitdone() reaps them.
//
//   nvmetest::Pcie pcie(addr);
//   nvmetest::Controller nvme0(pcie);
//   std::uint32_t cdw0 = nvme0.getfeatures(7).waitdone();
//   nvme0.getlogpage(2, buf, 512).waitdone();
//   nvme0.getfeatures(7, {.cb = [&](const nvmetest::nvme::Cqe& c) { cdw0 = c.dw[0]; }}).waitdone();
//
// Keyword arguments of the Python methods are designated initializers of an
// argument struct: nvme0.identify(buf, {.nsid = 1, .cns = 0}).
//
// Completion status is data: a callback gets the whole CQE; a command without a
// callback that fails raises the warning "ERROR status: SCT/SC name"
// (nvmetest::warn).  A command that exceeds its timeout (10 s by default)
// raises a warning and completes with an all-ones CQE, so waitdone() never
// hangs.  When: a command times out when waitdone() (or an IOWorker's poll)
// finds its deadline passed and its completion not yet taken from the CQ;
// deadlines are checked before each completion is taken and while none is
// there, so each command is judged by its own deadline, however many others
// complete meanwhile (a completion that waits in the CQ until after the
// deadline because nobody polled is a timeout too: the library cannot tell
// when it arrived).  The warning reads "timeout: <opcode name> (opcode 0xNN,
// cid N) on queue Q did not complete in T ms (its timeout); ...", and the
// callback (or the hook of data verification) gets the all-ones CQE.  A late
// completion of a timed-out command is taken by a later waitdone() without
// counting, callback or warning: it frees the command identifier and the
// memory the command named, and the command log entry keeps its real CQE
// (CmdLogEntry::cqe, timed_out stays true).
//
// Memory: a Buffer given to a command stays allocated, even when the Buffer
// object is destroyed, until the device is done with it: the command's
// completion was taken, or after a timeout its late completion, or the
// controller was disabled or reset (Controller::reset(), the destructor), or
// the queue was deleted and the device confirmed it (Qpair::del()).  The
// same holds for metadata buffers (.meta), PRP lists (the queue's own) and
// the queues' rings.  A controller that does not reach CSTS.RDY = 0 when its
// Controller goes may still execute what it holds: then that memory is kept
// until the process exits.  AERs are submitted by the initialization, are never counted by
// waitdone(), and on completion raise the warning "AER notification is
// triggered", call the AER callback and are resubmitted.
#ifndef NVMETEST_CONTROLLER_H
#define NVMETEST_CONTROLLER_H

#include "nvmetest/cxx20.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "nvmetest/buffer.h"
#include "nvmetest/cmdlog.h"
#include "nvmetest/nvme/command.h"

namespace nvmetest {

namespace core {
struct ControllerCore;
}

class Pcie;
class Controller;

// A command callback: receives the whole CQE (Python's cqe[0] is cqe.dw[0]).
// Small captures (two pointers) are stored without allocating.
using Callback = std::function<void(const nvme::Cqe&)>;

struct ControllerOptions {
    // Replaces the default nine-step initialization; built from init_adminq(),
    // wait_csts(), identify(), init_ns(), setfeatures(), init_queues(), aer().
    // Also run again by reset().
    std::function<void(Controller&)> nvme_init_func{};
    // Shadow doorbells (not a PyNVMe3 option).  true: the default
    // initialization ends with dbbuf_config() (library memory) when the
    // controller supports Doorbell Buffer Config (OACS bit 8), and with a
    // warning otherwise.  Unset: off at initialization; the first
    // IOWorker::start() turns them on (as Linux uses them) when the controller
    // supports them and no other IOWorker of this controller holds a queue.
    // false: never by the library; dbbuf_config() still does.
    std::optional<bool> shadow_doorbell{};
};

// Doorbell updates of one queue (Controller::doorbell_stats): how often the
// library published a new SQ tail / CQ head, and how many of those were MMIO
// writes to BAR0.  Without shadow doorbells every update is an MMIO write;
// with them, the ones EventIdx made unnecessary went to the shadow buffer only.
struct DoorbellStats {
    std::uint64_t sq_updates = 0;
    std::uint64_t sq_mmio = 0;
    std::uint64_t cq_updates = 0;
    std::uint64_t cq_mmio = 0;
    bool shadow = false;  // the queue publishes through the shadow buffer now
};

// CSTS fields wait_csts() waits for; unset fields are not checked.
struct CstsWait {
    std::optional<bool> rdy{};
    std::optional<std::uint32_t> shst{};
    std::optional<bool> nssro{};
    std::optional<bool> pp{};
    std::uint32_t timeout_ms = 0;  // 0: CAP.TO
};

struct IdentifyArgs {
    std::uint32_t nsid = 0;
    std::uint8_t cns = 1;
    std::uint16_t cntid = 0;
    std::uint8_t csi = 0;
    std::uint16_t nvmsetid = 0;
    Callback cb{};
};
struct GetFeaturesArgs {
    std::uint32_t sel = 0;
    Buffer* buf = nullptr;
    std::uint32_t cdw11 = 0, cdw12 = 0, cdw13 = 0, cdw14 = 0, cdw15 = 0;
    std::uint32_t nsid = 0;
    Callback cb{};
};
struct SetFeaturesArgs {
    bool sv = false;
    Buffer* buf = nullptr;
    std::uint32_t cdw11 = 0, cdw12 = 0, cdw13 = 0, cdw14 = 0, cdw15 = 0;
    std::uint32_t nsid = 0;
    Callback cb{};
};
struct GetLogPageArgs {
    std::uint64_t offset = 0;
    std::uint32_t nsid = 0xffffffff;
    std::uint8_t lsp = 0;
    std::uint16_t lsi = 0;
    bool rae = false;
    std::uint8_t csi = 0;
    Callback cb{};
};
struct FormatArgs {
    std::uint8_t lbaf = 0;
    std::uint8_t ses = 0;
    std::uint32_t nsid = 1;
    std::uint8_t mset = 0, pi = 0, pil = 0;
    Callback cb{};
};
struct SanitizeArgs {
    std::uint8_t option = 2;  // SANACT: 1 exit failure, 2 block erase, 3 overwrite, 4 crypto erase
    std::uint32_t pattern = 0;
    bool ause = false;
    std::uint8_t owpass = 0;
    bool oipbp = false;
    bool nodas = false;
    Callback cb{};
};
struct SecurityArgs {
    std::uint16_t spsp = 0;
    std::uint8_t secp = 1;
    std::uint8_t nssf = 0;
    std::uint32_t size = 0;  // 0: the buffer's size
    std::uint32_t nsid = 0;
    Callback cb{};
};
struct DirectiveArgs {
    std::uint8_t doper = 0;
    std::uint8_t dtype = 0;
    std::uint16_t dspec = 0;
    std::uint32_t nsid = 0;
    std::uint32_t cdw12 = 0, cdw13 = 0;
    Buffer* buf = nullptr;  // data, numd from its size
    Callback cb{};
};
// send_cmd(): every dword settable.  The opcode's bits 9:8 are the FUSE field.
struct CmdArgs {
    Buffer* buf = nullptr;
    std::uint32_t nsid = 0;
    std::uint32_t cdw2 = 0, cdw3 = 0;
    std::uint32_t cdw10 = 0, cdw11 = 0, cdw12 = 0, cdw13 = 0, cdw14 = 0, cdw15 = 0;
    std::size_t size = 0;  // bytes transferred; 0: the buffer's size
    Callback cb{};
};
// The common tail of commands with no other keyword.
struct CbArgs {
    Callback cb{};
};

class Controller {
public:
    explicit Controller(Pcie& pcie, ControllerOptions options = {});
    // PyNVMe3's Controller(b"01:00.0"): opens the function with default Pcie
    // options; the device stays open as long as the Controller (or a Buffer,
    // Qpair or Namespace made from it) lives.
    explicit Controller(std::string_view addr, ControllerOptions options = {});
    Controller(Controller&&) noexcept;
    Controller& operator=(Controller&&) noexcept;
    Controller(const Controller&) = delete;
    Controller& operator=(const Controller&) = delete;
    // Disables the controller (CC.EN = 0) before its queue memory is freed.
    // Qpairs and Namespaces still alive become unusable (UsageError).
    ~Controller();

    // -------------------------------------------------------- registers
    // Python's nvme0[offset] and nvme0[offset] = value: 32-bit registers.
    class RegRef {
    public:
        operator std::uint32_t() const;
        RegRef& operator=(std::uint32_t v);

    private:
        friend class Controller;
        RegRef(core::ControllerCore* c, std::uint32_t off) : c_(c), off_(off) {}
        core::ControllerCore* c_;
        std::uint32_t off_;
    };
    RegRef operator[](std::uint32_t offset);
    std::uint64_t cap();  // CAP, 64-bit

    // ---------------------------------------------------- initialization
    // Allocates (or empties) the admin queue and programs AQA, ASQ, ACQ.
    // Returns 0; failures throw.
    int init_adminq(bool lazy_doorbell = false);
    // Waits until CSTS matches; TimeoutError naming the register otherwise.
    void wait_csts(CstsWait want);
    // Reads Identify Controller for id_data(); returns 0.
    int init_ns();
    // Records the I/O queues granted: cdw0 of Get Features Number of Queues.
    void init_queues(std::uint32_t cdw0);
    // Submits one AER; cb (when given) handles its completion instead of the
    // callback of register_aer_cb().
    Controller& aer(Callback cb = {});
    void register_aer_cb(Callback cb);

    // ------------------------------------------------------ identify data
    // Identify Controller bytes [begin, end] (both included), like Buffer::data.
    template <class T = std::uint64_t>
    T id_data(std::size_t end, std::size_t begin) const
    {
        if constexpr (std::is_same_v<T, std::string>)
            return id_string(end, begin);
        else
            return static_cast<T>(id_int(end, begin));
    }
    template <class T = std::uint64_t>
    T id_data(std::size_t end) const
    {
        return id_data<T>(end, end);
    }
    // Maximum data transfer size in bytes (PyNVMe3: 2 MiB when MDTS is 0).
    std::uint64_t mdts() const;
    // Whether the Commands Supported and Effects log lists the opcode:
    // 0..255 admin, 256..511 I/O (opcode - 256).  An I/O opcode counts when
    // the NVM command set's log (CSI 0) lists it or, with every I/O command set
    // enabled (CC.CSS = 110b, what the default initialization selects when
    // CAP.CSS allows), the Zoned Namespace set's (CSI 2): supports(0x17d), Zone
    // Append, is true on a controller with zoned namespaces.
    bool supports(std::uint32_t opcode);
    // The log of one command set only (Get Log Page CSI field): 0 NVM, 2 zoned.
    bool supports(std::uint32_t opcode, std::uint8_t csi);
    // The LBA format index of namespace nsid with these sizes; -1 when none.
    int get_lba_format(std::uint32_t data_size = 512, std::uint32_t meta_size = 0,
                       std::uint32_t nsid = 1);

    // ---------------------------------------------------- admin commands
    Controller& identify(Buffer& buf, IdentifyArgs a = {});
    Controller& identify(Buffer& buf, std::uint32_t nsid, std::uint8_t cns, Callback cb = {});
    Controller& getfeatures(std::uint8_t fid, GetFeaturesArgs a = {});
    Controller& setfeatures(std::uint8_t fid, SetFeaturesArgs a = {});
    // size 0: the buffer's size.
    Controller& getlogpage(std::uint8_t lid, Buffer& buf, std::uint32_t size = 0,
                           GetLogPageArgs a = {});
    Controller& format(FormatArgs a = {});
    Controller& sanitize(SanitizeArgs a = {});
    Controller& dst(std::uint8_t stc = 1, std::uint32_t nsid = 0xffffffff, CbArgs a = {});
    // Firmware Image Download of size bytes (0: the buffer's size) at offset bytes.
    Controller& fw_download(Buffer& buf, std::uint32_t offset, std::uint32_t size = 0,
                            CbArgs a = {});
    Controller& fw_commit(std::uint8_t slot, std::uint8_t action, std::uint8_t bpid = 0,
                          CbArgs a = {});
    // Downloads a firmware file in chunks and commits it; waits.  Returns the
    // status field of the commit.
    std::uint16_t downfw(const std::string& filename, std::uint8_t slot = 0,
                         std::uint8_t action = 1);
    Controller& abort(std::uint16_t cid, std::uint16_t sqid = 0, CbArgs a = {});
    Controller& ns_create(Buffer& buf, std::uint8_t csi = 0, CbArgs a = {});
    Controller& ns_delete(std::uint32_t nsid, CbArgs a = {});
    // Attach (or detach) the controllers of the list in buf to namespace nsid.
    Controller& ns_attach(Buffer& buf, std::uint32_t nsid, bool attach = true, CbArgs a = {});
    Controller& security_send(Buffer& buf, SecurityArgs a = {});
    Controller& security_receive(Buffer& buf, SecurityArgs a = {});
    Controller& directive_send(DirectiveArgs a = {});
    Controller& directive_receive(DirectiveArgs a = {});
    Controller& virt_mgmt(std::uint16_t cntlid, std::uint8_t act, std::uint8_t rt = 0,
                          std::uint16_t nr = 0, CbArgs a = {});
    // Doorbell Buffer Config: the shadow doorbell buffer (PRP1) and the
    // EventIdx buffer (PRP2), each page aligned and at least
    // (2 * max queue ID + 2) * (4 << CAP.DSTRD) bytes from its offset (a 4 KiB
    // Buffer covers 512 queues); smaller Buffers are refused (UsageError).
    // When the command completes successfully, every queue of this controller
    // (admin and I/O: QEMU 7.2 takes both from the buffer), the existing ones
    // and the ones created later, publishes its SQ tail and CQ head in its
    // slots, at 2*qid*(4 << DSTRD) and (2*qid + 1)*(4 << DSTRD), and writes the
    // BAR0 doorbell only when the controller's EventIdx asks for it.  The queue
    // slots are initialized by the library.  Submit no I/O between this call and
    // its completion, and configure before other threads (IOWorkers) drive
    // qpairs of this controller: the switch is not synchronized with them.  A
    // failed command changes nothing.
    // Ownership: the controller keeps a share of both buffers' memory from the
    // submission until it is next disabled (reset(), destruction), and the
    // buffers in use for as long as shadow doorbells are on (across reset()),
    // so the Buffer objects may go at any time.  Shadow and EventIdx in the
    // same memory (PyNVMe3's dbbuf_config(buf, buf)) is accepted with a
    // warning: EventIdx is then ignored and every update also goes to BAR0.
    // send_cmd(0x7c, ...) sends the raw command and changes no queue.
    Controller& dbbuf_config(Buffer& shadow, Buffer& eventidx, CbArgs a = {});
    // The same with library memory (one page each, or what the granted queues
    // need): nvme0.dbbuf_config().waitdone().
    Controller& dbbuf_config(CbArgs a = {});
    // Whether the queues use shadow doorbells now (a Doorbell Buffer Config
    // completed successfully and the controller was not disabled since).
    bool shadow_doorbell() const;
    // Doorbell counters of queue qid (0: admin, else the sqid of a live Qpair);
    // plain per-queue counters, read without cost to the command path.
    DoorbellStats doorbell_stats(std::uint16_t qid = 0) const;
    Controller& keep_alive(CbArgs a = {});
    Controller& get_lba_status(Buffer& buf, std::uint64_t slba, std::uint32_t mndw,
                               std::uint16_t rl = 0, std::uint8_t atype = 0,
                               std::uint32_t nsid = 1, CbArgs a = {});
    // Any admin opcode, valid or not.
    Controller& send_cmd(std::uint32_t opcode, CmdArgs a = {});

    // ---------------------------------------------------------- waiting
    // Reaps expected admin completions (AERs excluded) and returns dword 0 of
    // the last.  UsageError inside a callback or with too few outstanding.
    std::uint32_t waitdone(unsigned expected = 1);
    std::uint16_t latest_cid() const;
    std::uint64_t latest_latency() const;  // microseconds

    // Milliseconds; reset() restores the defaults (10 s, no per-opcode values).
    std::uint32_t timeout() const;
    void set_timeout(std::uint32_t msec);
    void set_timeout_ms(std::uint8_t opcode, std::uint32_t msec);

    // ------------------------------------------------------------ control
    // CC.EN 1 -> 0 -> 1 and the initialization again (timeouts to defaults,
    // admin queue and AERs anew); live Qpairs are created again on the device
    // and their pending commands are forgotten with a warning.  Disabling makes
    // the controller forget a Doorbell Buffer Config; when shadow doorbells were
    // on, reset() sends the same buffers again after the initialization (as
    // Linux does; unless the initialization function configured them itself),
    // before the Qpairs are created again, so shadow_doorbell() stays true.  If
    // the controller refuses them, doorbells go to BAR0 with a warning.
    void reset();
    // CC.SHN normal (abrupt: 2) and wait for CSTS.SHST complete.
    void shutdown_notify(bool abrupt = false);
    // Host Memory Buffer: enable with the preferred size, disable.  When the
    // controller asks for no HMB (HMPRE is 0, as QEMU's), both skip with the
    // warning "HMB is not enabled/disabled: the controller asks for none
    // (HMPRE is 0)..." and send nothing (disable_hmb() still sends when an
    // HMB was enabled).
    void enable_hmb();
    void disable_hmb();

    // Recent admin commands (count 0: all kept), oldest first; offset skips
    // that many of the newest first.
    std::vector<CmdLogEntry> cmdlog(std::size_t count = 0, std::size_t offset = 0) const;
    // Admin and I/O queues merged, ordered by submission time.
    std::vector<CmdLogEntry> cmdlog_merged(std::size_t count = 0) const;

    // Internal.
    const std::shared_ptr<core::ControllerCore>& core() const;

private:
    std::uint64_t id_int(std::size_t end, std::size_t begin) const;
    std::string id_string(std::size_t end, std::size_t begin) const;
    void default_init();
    void run_init();
    // Disables the controller and frees its queues (destructor, failed constructor).
    void release() noexcept;
    Controller& admin(nvme::Sqe sqe, Buffer* buf, std::size_t xfer, Callback cb);

    std::shared_ptr<core::ControllerCore> core_;
    std::function<void(Controller&)> init_;
    bool shadow_doorbell_init_ = false;
};

}  // namespace nvmetest

#endif  // NVMETEST_CONTROLLER_H
