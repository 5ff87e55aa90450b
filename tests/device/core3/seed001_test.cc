// SPDX-License-Identifier: BSD-3-Clause
// Ports of the code examples of seed 001 (pynvme "Features", by classes and
// methods) that no other test in this directory already runs;
// tests/device/core3/SEED-PORTS.md maps every example of the seed.  Lines added
// to make an example observable say so.  Default profile.
#include <nvmetest/fixtures.h>

#include <cstdio>
#include <string>

namespace {

using nvmetest::Buffer;
using nvmetest::Controller;
using nvmetest::Qpair;
using nvmetest::nvme::Cqe;

class Seed001Nvme0 : public nvmetest::testing::Nvme0Test {};    // (nvme0)
class Seed001 : public nvmetest::testing::Nvme0n1Test {};       // (nvme0, nvme0n1)

// Python's buf[begin:end] compared with bytes.
std::string text(const Buffer& buf, std::size_t begin, std::size_t end)
{
    const auto s = buf.slice(begin, end);
    return std::string(s.begin(), s.end());
}

// Checks what every dump of Identify Controller shows: the buffer's name, then
// the PCI vendor ID 1b36 (little-endian) at byte 0.
void expect_identify_dump(const Buffer& id_buf)
{
    const std::string d = id_buf.dump();
    EXPECT_EQ(d.rfind(id_buf.name() + "\n", 0), 0u) << d.substr(0, 200);
    EXPECT_NE(d.find("36 1b"), std::string::npos) << d.substr(0, 200);
    EXPECT_EQ(id_buf.data(1, 0), 0x1b36u);
}

// The module-level example: a controller from its PCIe address, Identify
// Controller (CNS 1) into a buffer, waitdone() as a separate call, the dump.
// pynvme makes the Controller from the address; nvmetest makes it on a Pcie.
// The module-level example: no fixture, the Controller opens the address.
TEST(Seed001Module, ControllerIdentifyDump)
{
    Controller nvme0(nvmetest::testing::pciaddr());  // d.Controller(b"01:00.0")
    Buffer id_buf(4096);     // allocate the buffer
    nvme0.identify(id_buf, {.nsid = 0xffffffff, .cns = 1});
    nvme0.waitdone();  // the command is asynchronous: wait before reading id_buf
    std::printf("%s\n", id_buf.dump(64).c_str());  // the first 64 of 4096 bytes
    expect_identify_dump(id_buf);
}

// test_dump_namespace_identify_data: despite its name, CNS 1 is Identify
// Controller (nsid is ignored for it).
TEST_F(Seed001Nvme0, DumpNamespaceIdentifyData)
{
    Buffer id_buf;
    nvme0.identify(id_buf, {.nsid = 0xffff'ffff, .cns = 1}).waitdone();
    std::printf("%s\n", id_buf.dump(64).c_str());
    expect_identify_dump(id_buf);
}

// test_hello_world: a read submitted from the write's callback, both reaped
// by one waitdone(2).  pynvme's callback gets (cdw0, status1); nvmetest's gets
// the CQE, whose dw[3] >> 16 is status1.
TEST_F(Seed001, HelloWorld)
{
    Buffer read_buf(512);
    Buffer data_buf(512);
    data_buf.set(10, "hello world");
    Qpair qpair(nvme0, 16);  // create IO SQ/CQ pair, with 16 queue-depth
    EXPECT_NE(text(read_buf, 10, 21), "hello world");

    // command callback function
    std::uint16_t status1 = 0xffff;
    auto write_cb = [&](const Cqe& cqe) {
        status1 = static_cast<std::uint16_t>(cqe.dw[3] >> 16);
        nvme0n1.read(qpair, read_buf, 0, 1);
    };
    nvme0n1.write(qpair, data_buf, 0, 1, {.cb = write_cb});
    qpair.waitdone(2);
    EXPECT_EQ(text(read_buf, 10, 21), "hello world");
    EXPECT_EQ(status1 >> 1, 0u) << "the write failed";  // the phase bit aside
}

}  // namespace
