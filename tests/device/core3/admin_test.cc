// SPDX-License-Identifier: BSD-3-Clause
// Admin commands of Controller against QEMU 7.2's controller (default profile):
// what QEMU implements (abort, doorbell buffer config, namespace attachment,
// changeable features) and the exact status of what it does not (firmware
// download, HMB, security send, directive send, virtualization management
// without SR-IOV).  Invalid Opcode of security receive, keep alive, directive
// receive and get LBA status is in controller_test.cc.
#include <nvmetest/fixtures.h>
#include <nvmetest/gtest_warnings.h>
#include <nvmetest/nvme/features.h>
#include <nvmetest/nvme/opcodes.h>
#include <nvmetest/nvme/status.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

using nvmetest::Buffer;
using nvmetest::Namespace;
using nvmetest::Qpair;
using nvmetest::nvme::Cqe;
using nvmetest::testing::Nvme0Test;
using nvmetest::testing::QpairTest;
namespace status = nvmetest::nvme::status;
namespace feat = nvmetest::nvme::feature;

constexpr std::uint16_t sc_of(std::uint16_t st) { return st & 0x7ff; }  // SCT and SC

// Writes lba 0 with a pattern on a new qpair and reads it back.
void io_round_trip(nvmetest::Controller& nvme0, std::uint32_t pattern)
{
    Namespace ns(nvme0, 1);
    Qpair q(nvme0, 16);
    Buffer w(4096), r(4096);
    w.fill_pattern(pattern, 32);
    Cqe wc{}, rc{};
    ns.write(q, w, 0, 8, {.cb = [&](const Cqe& c) { wc = c; }}).waitdone();
    ns.read(q, r, 0, 8, {.cb = [&](const Cqe& c) { rc = c; }}).waitdone();
    EXPECT_EQ(sc_of(wc.status()), status::kSuccess);
    EXPECT_EQ(sc_of(rc.status()), status::kSuccess);
    EXPECT_TRUE(w == r);
}

// ------------------------------------------------------------ firmware

TEST_F(Nvme0Test, DownfwGivesInvalidOpcode)
{
    const std::string path = "/tmp/nvmetest-admin-fw-" + std::to_string(::getpid()) + ".bin";
    {
        std::ofstream out(path, std::ios::binary);
        const std::vector<char> image(8192, '\x5a');
        out.write(image.data(), static_cast<std::streamsize>(image.size()));
    }
    std::uint16_t st = 0xffff;
    EXPECT_WARNS(st = nvme0.downfw(path), "ERROR status: 00/01");
    EXPECT_EQ(sc_of(st), status::kInvalidOpcode);
    EXPECT_TRUE((st >> 14) & 1) << "DNR";
    std::remove(path.c_str());
    EXPECT_THROW(nvme0.downfw(path), nvmetest::UsageError);  // file gone
    EXPECT_EQ((nvme0.getfeatures(feat::kNumberOfQueues).waitdone() & 0xffff) + 1, 64u);
}

// --------------------------------------------------------------- abort

TEST_F(QpairTest, AbortIsAlwaysNotAborted)
{
    nvme0.getfeatures(feat::kNumberOfQueues).waitdone();
    const std::uint16_t admin_cid = nvme0.latest_cid();
    Cqe c{};
    nvme0.abort(admin_cid, 0, {.cb = [&](const Cqe& e) { c = e; }}).waitdone();
    EXPECT_EQ(sc_of(c.status()), status::kSuccess);
    EXPECT_EQ(c.dw[0] & 1, 1u);  // not aborted

    // An I/O command in flight on the qpair: QEMU still does not abort it.
    Cqe io{};
    nvme0n1.read(qpair, buf, 0, 8, {.cb = [&](const Cqe& e) { io = e; }});
    Cqe ac{};
    nvme0.abort(0, qpair.sqid(), {.cb = [&](const Cqe& e) { ac = e; }}).waitdone();
    qpair.waitdone();
    EXPECT_EQ(sc_of(ac.status()), status::kSuccess);
    EXPECT_EQ(ac.dw[0] & 1, 1u);
    EXPECT_EQ(sc_of(io.status()), status::kSuccess);

    // A submission queue that does not exist.
    Cqe bad{};
    nvme0.abort(0, 60, {.cb = [&](const Cqe& e) { bad = e; }}).waitdone();
    EXPECT_EQ(sc_of(bad.status()), status::kInvalidField);
    EXPECT_WARNS(nvme0.abort(0, 60).waitdone(), "ERROR status: 00/02");
    nvme0n1.write(qpair, buf, 0, 8).waitdone();
}

// ---------------------------------------------- doorbell buffer config

TEST_F(Nvme0Test, DoorbellBufferConfigAccepted)
{
    Buffer shadow(4096), eventidx(4096);
    Cqe c{};
    nvme0.dbbuf_config(shadow, eventidx, {.cb = [&](const Cqe& e) { c = e; }}).waitdone();
    EXPECT_EQ(sc_of(c.status()), status::kSuccess);
    EXPECT_TRUE(nvme0.shadow_doorbell());
    EXPECT_EQ((nvme0.getfeatures(feat::kNumberOfQueues).waitdone() & 0xffff) + 1, 64u);
    // QEMU now reads I/O doorbells from the shadow buffer, which the library
    // writes (tests/device/core3/doorbell_test.cc has the details).
    io_round_trip(nvme0, 0xdb0f);
}

TEST_F(Nvme0Test, DoorbellBufferConfigUnalignedIsInvalidField)
{
    Buffer shadow(8192), eventidx(4096);
    shadow.set_offset(8);
    Cqe c{};
    nvme0.dbbuf_config(shadow, eventidx, {.cb = [&](const Cqe& e) { c = e; }}).waitdone();
    EXPECT_EQ(sc_of(c.status()), status::kInvalidField);
    io_round_trip(nvme0, 0xdb10);
}

// ------------------------------------------------ namespace attachment

std::vector<std::uint32_t> active_nsids(nvmetest::Controller& nvme0)
{
    Buffer list(4096);
    nvme0.identify(list, 0, 2).waitdone();  // CNS 02: active namespace ID list
    std::vector<std::uint32_t> ids;
    for (std::size_t i = 0; i < 4096; i += 4) {
        const auto id = static_cast<std::uint32_t>(list.data(i + 3, i));
        if (!id)
            break;
        ids.push_back(id);
    }
    return ids;
}

bool lists(const std::vector<std::uint32_t>& ids, std::uint32_t nsid)
{
    for (auto id : ids)
        if (id == nsid)
            return true;
    return false;
}

TEST_F(Nvme0Test, NamespaceDetachThenAttach)
{
    ASSERT_TRUE(lists(active_nsids(nvme0), 1));
    const auto cntlid = nvme0.id_data<std::uint16_t>(79, 78);
    Buffer ctrls(4096);
    ctrls.set_controller_list(cntlid);
    std::vector<std::uint32_t> aer_dw0;
    nvme0.register_aer_cb([&](const Cqe& c) { aer_dw0.push_back(c.dw[0]); });

    Cqe c{};
    EXPECT_WARNS(
        {
            nvme0.ns_attach(ctrls, 1, false, {.cb = [&](const Cqe& e) { c = e; }}).waitdone();
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
            EXPECT_FALSE(lists(active_nsids(nvme0), 1));
        },
        "AER notification is triggered");
    ASSERT_EQ(sc_of(c.status()), status::kSuccess);
    ASSERT_EQ(aer_dw0.size(), 1u);
    EXPECT_EQ(aer_dw0[0], 0x040002u);  // notice, namespace attribute changed, log 04h
    Buffer changed(4096);
    nvme0.getlogpage(4, changed, 4096).waitdone();
    EXPECT_EQ(changed.data(3, 0), 1u);

    // Detaching again: the namespace is not attached to this controller.
    Cqe again{};
    nvme0.ns_attach(ctrls, 1, false, {.cb = [&](const Cqe& e) { again = e; }}).waitdone();
    EXPECT_EQ(sc_of(again.status()), nvmetest::nvme::make_status(1, 0x1a));  // Namespace Not Attached

    c = Cqe{};
    EXPECT_WARNS(
        {
            nvme0.ns_attach(ctrls, 1, true, {.cb = [&](const Cqe& e) { c = e; }}).waitdone();
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
            EXPECT_TRUE(lists(active_nsids(nvme0), 1));
        },
        "AER notification is triggered");
    ASSERT_EQ(sc_of(c.status()), status::kSuccess);
    ASSERT_EQ(aer_dw0.size(), 2u);
    EXPECT_EQ(aer_dw0[1], 0x040002u);
    nvme0.getlogpage(4, changed, 4096).waitdone();
    io_round_trip(nvme0, 0xa77a);
}

// ---------------------------------------------------------------- HMB

TEST_F(Nvme0Test, HostMemoryBufferNotRequested)
{
    EXPECT_EQ(nvme0.id_data(275, 272), 0u);  // HMPRE
    EXPECT_EQ(nvme0.id_data(279, 276), 0u);  // HMMIN
    EXPECT_WARNS(nvme0.enable_hmb(), "HMB is not enabled: .*HMPRE is 0");
    // QEMU does not support the Host Memory Buffer feature at all.
    Cqe c{};
    nvme0.setfeatures(feat::kHostMemoryBuffer, {.cdw11 = 1, .cb = [&](const Cqe& e) { c = e; }})
        .waitdone();
    EXPECT_EQ(sc_of(c.status()), status::kInvalidField);
    nvme0.getfeatures(feat::kHostMemoryBuffer, {.cb = [&](const Cqe& e) { c = e; }}).waitdone();
    EXPECT_EQ(sc_of(c.status()), status::kInvalidField);
    // disable_hmb() skips too: nothing was enabled, and nothing is sent (the
    // newest admin command is still the Get Features above: opcode and CID).
    const std::uint32_t last = nvme0.cmdlog(1).at(0).sqe.cdw[0];
    EXPECT_WARNS(nvme0.disable_hmb(), "HMB is not disabled: .*HMPRE is 0");
    EXPECT_EQ(nvme0.cmdlog(1).at(0).sqe.cdw[0], last);
    EXPECT_WARNS(nvme0.enable_hmb(), "HMB is not enabled: .*HMPRE is 0");
    EXPECT_EQ(nvme0.cmdlog(1).at(0).sqe.cdw[0], last);
    EXPECT_EQ((nvme0.getfeatures(feat::kNumberOfQueues).waitdone() & 0xffff) + 1, 64u);
}

// ----------------------------------------------------------- features

TEST_F(Nvme0Test, TemperatureThresholdRoundTrip)
{
    const std::uint32_t def = nvme0.getfeatures(feat::kTemperatureThreshold).waitdone() & 0xffff;
    EXPECT_EQ(def, 0x157u);  // QEMU's warning threshold, 343 K
    nvme0.setfeatures(feat::kTemperatureThreshold, {.cdw11 = 0x160}).waitdone();
    EXPECT_EQ(nvme0.getfeatures(feat::kTemperatureThreshold).waitdone() & 0xffff, 0x160u);
    EXPECT_EQ(nvme0.getfeatures(feat::kTemperatureThreshold, {.sel = 1}).waitdone() & 0xffff, def);
    // Under-temperature threshold (THSEL 1).
    nvme0.setfeatures(feat::kTemperatureThreshold, {.cdw11 = 1u << 20 | 0x100}).waitdone();
    EXPECT_EQ(nvme0.getfeatures(feat::kTemperatureThreshold, {.cdw11 = 1u << 20}).waitdone() & 0xffff,
              0x100u);
    nvme0.setfeatures(feat::kTemperatureThreshold, {.cdw11 = 1u << 20}).waitdone();
    nvme0.setfeatures(feat::kTemperatureThreshold, {.cdw11 = def}).waitdone();
    EXPECT_EQ(nvme0.getfeatures(feat::kTemperatureThreshold).waitdone() & 0xffff, def);
    // Changeable, not saveable, not namespace specific.
    EXPECT_EQ(nvme0.getfeatures(feat::kTemperatureThreshold, {.sel = 3}).waitdone(), 0x4u);
    EXPECT_WARNS(nvme0.setfeatures(feat::kTemperatureThreshold, {.sv = true, .cdw11 = def}).waitdone(),
                 "ERROR status: 01/0d");
}

TEST_F(Nvme0Test, VolatileWriteCacheRoundTrip)
{
    ASSERT_EQ(nvme0.id_data(525) & 1, 1u);  // VWC present
    const std::uint32_t wce = nvme0.getfeatures(feat::kVolatileWriteCache).waitdone() & 1;
    nvme0.setfeatures(feat::kVolatileWriteCache, {.cdw11 = wce ^ 1}).waitdone();
    EXPECT_EQ(nvme0.getfeatures(feat::kVolatileWriteCache).waitdone() & 1, wce ^ 1);
    io_round_trip(nvme0, 0x7c00 | (wce ^ 1));
    nvme0.setfeatures(feat::kVolatileWriteCache, {.cdw11 = wce}).waitdone();
    EXPECT_EQ(nvme0.getfeatures(feat::kVolatileWriteCache).waitdone() & 1, wce);
}

TEST_F(Nvme0Test, TimestampSetByHost)
{
    const auto now_ms = [] {
        return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                              std::chrono::system_clock::now().time_since_epoch())
                                              .count());
    };
    Buffer ts(8);
    const std::uint64_t set = now_ms() & 0xffffffffffffull;
    for (int i = 0; i < 6; i++)
        ts[i] = static_cast<std::uint8_t>(set >> (8 * i));
    ts[6] = ts[7] = 0;
    nvme0.setfeatures(feat::kTimestamp, {.buf = &ts}).waitdone();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    Buffer got(8);
    nvme0.getfeatures(feat::kTimestamp, {.buf = &got}).waitdone();
    const std::uint64_t t = got.data(5, 0);
    EXPECT_GE(t, set + 50);
    EXPECT_LT(t, set + 60000);
    EXPECT_EQ((got[6] >> 1) & 7, 1u);  // origin: set by a host
}

TEST_F(Nvme0Test, FeaturesQemuDoesNotSupport)
{
    for (std::uint8_t fid : {feat::kLbaRangeType, feat::kAutonomousPowerStateTransition,
                             feat::kKeepAliveTimer, feat::kSoftwareProgressMarker}) {
        Cqe c{};
        nvme0.getfeatures(fid, {.cb = [&](const Cqe& e) { c = e; }}).waitdone();
        EXPECT_EQ(sc_of(c.status()), status::kInvalidField) << "fid " << int(fid);
    }
    // Arbitration is supported but not changeable.
    EXPECT_WARNS(nvme0.setfeatures(feat::kArbitration, {.cdw11 = 0}).waitdone(), "ERROR status: 01/0e");
}

// ---------------------------------------- commands QEMU does not implement

TEST_F(Nvme0Test, SecuritySendAndDirectiveSendGiveInvalidOpcode)
{
    Buffer buf(4096);
    Cqe c{};
    nvme0.security_send(buf, {.spsp = 1, .secp = 0xef, .cb = [&](const Cqe& e) { c = e; }}).waitdone();
    EXPECT_EQ(sc_of(c.status()), status::kInvalidOpcode);
    EXPECT_TRUE(c.dnr());
    EXPECT_WARNS(nvme0.security_send(buf).waitdone(), "ERROR status: 00/01");
    EXPECT_WARNS(nvme0.security_receive(buf, {.size = 512}).waitdone(), "ERROR status: 00/01");
    nvme0.directive_send({.doper = 1, .dtype = 0, .nsid = 1, .cdw12 = 1,
                          .cb = [&](const Cqe& e) { c = e; }})
        .waitdone();
    EXPECT_EQ(sc_of(c.status()), status::kInvalidOpcode);
    EXPECT_WARNS(nvme0.directive_send({.buf = &buf}).waitdone(), "ERROR status: 00/01");
    EXPECT_WARNS(nvme0.keep_alive().waitdone(), "ERROR status: 00/01");
    EXPECT_WARNS(nvme0.get_lba_status(buf, 0, 1023).waitdone(), "ERROR status: 00/01");
    EXPECT_WARNS(nvme0.directive_receive({.doper = 1, .buf = &buf}).waitdone(), "ERROR status: 00/01");
    EXPECT_EQ((nvme0.getfeatures(feat::kNumberOfQueues).waitdone() & 0xffff) + 1, 64u);
}

TEST_F(Nvme0Test, VirtualizationManagementWithoutSriovFindsNoSecondary)
{
    Cqe c{};
    nvme0.virt_mgmt(1, 8, 0, 0, {.cb = [&](const Cqe& e) { c = e; }}).waitdone();  // online
    // QEMU accepts the opcode, and finds no secondary controller 1 without SR-IOV.
    EXPECT_EQ(sc_of(c.status()), nvmetest::nvme::make_status(1, 0x1f));  // Invalid Controller Identifier
    EXPECT_TRUE(c.dnr());
    // A resource type other than VQ/VI.
    nvme0.virt_mgmt(1, 8, 5, 0, {.cb = [&](const Cqe& e) { c = e; }}).waitdone();
    EXPECT_EQ(sc_of(c.status()), nvmetest::nvme::make_status(1, 0x22));  // Invalid Resource Identifier
    EXPECT_WARNS(nvme0.virt_mgmt(1, 8).waitdone(), "ERROR status: 01/1f");
    EXPECT_EQ((nvme0.getfeatures(feat::kNumberOfQueues).waitdone() & 0xffff) + 1, 64u);
}

}  // namespace
