// SPDX-License-Identifier: BSD-3-Clause
// Status names, opcode names and the one-line decoders for the command log.
#include "nvmetest/nvme/command.h"
#include "nvmetest/nvme/describe.h"
#include "nvmetest/nvme/features.h"
#include "nvmetest/nvme/log_pages.h"
#include "nvmetest/nvme/opcodes.h"
#include "nvmetest/nvme/status.h"
#include "nvmetest/nvme/zns.h"

#include <gtest/gtest.h>

using namespace nvmetest::nvme;

TEST(SpecStatus, GenericNames) {
    EXPECT_EQ(status_name(0, 0x00), "Successful Completion");
    EXPECT_EQ(status_name(0, 0x01), "Invalid Command Opcode");
    EXPECT_EQ(status_name(0, 0x02), "Invalid Field in Command");
    EXPECT_EQ(status_name(0, 0x0b), "Invalid Namespace or Format");
    EXPECT_EQ(status_name(0, 0x13), "PRP Offset Invalid");
    EXPECT_EQ(status_name(0, 0x24), "Admin Command Media Not Ready");
    EXPECT_EQ(status_name(0, 0x80), "LBA Out of Range");
    EXPECT_EQ(status_name(0, 0x84), "Format In Progress");
}

TEST(SpecStatus, CommandSpecificMediaAndPathNames) {
    EXPECT_EQ(status_name(1, 0x01), "Invalid Queue Identifier");
    EXPECT_EQ(status_name(1, 0x02), "Invalid Queue Size");
    EXPECT_EQ(status_name(1, 0x05), "Asynchronous Event Request Limit Exceeded");
    EXPECT_EQ(status_name(1, 0x0c), "Invalid Queue Deletion");
    EXPECT_EQ(status_name(1, 0x2d), "Identifier Unavailable");
    EXPECT_EQ(status_name(1, 0x80), "Conflicting Attributes");
    EXPECT_EQ(status_name(1, 0xb9), "Zone Is Full");
    EXPECT_EQ(status_name(1, 0xbf), "Invalid Zone State Transition");
    EXPECT_EQ(status_name(2, 0x81), "Unrecovered Read Error");
    EXPECT_EQ(status_name(2, 0x85), "Compare Failure");
    EXPECT_EQ(status_name(2, 0x87), "Deallocated or Unwritten Logical Block");
    EXPECT_EQ(status_name(3, 0x02), "Asymmetric Access Inaccessible");
    EXPECT_EQ(status_name(3, 0x71), "Command Aborted By Host");
}

TEST(SpecStatus, UnknownValuesStillDecode) {
    EXPECT_EQ(status_name(0, 0x17), "Reserved");
    EXPECT_EQ(status_name(1, 0x04), "Reserved");
    EXPECT_EQ(status_name(0, 0xc5), "Vendor Specific");
    EXPECT_EQ(status_name(7, 0x01), "Vendor Specific");
    EXPECT_EQ(status_name(5, 0x01), "Reserved");
    EXPECT_EQ(sct_name(2), "Media and Data Integrity Errors");
    EXPECT_EQ(sct_name(6), "Reserved");
}

TEST(SpecStatus, StatusStringMatchesPyNvmeWarning) {
    EXPECT_EQ(status_string(0x0001), "ERROR status: 00/01 Invalid Command Opcode");
    EXPECT_EQ(status_string(make_status(2, 0x81, true)),
              "ERROR status: 02/81 Unrecovered Read Error, DNR");
    EXPECT_EQ(status_string(make_status(0, 0x22, false, true, 1)),
              "ERROR status: 00/22 Transient Transport Error, More, CRD 1");
    EXPECT_EQ(status_string(0), "SUCCESS status: 00/00 Successful Completion");
    EXPECT_TRUE(status_is_error(status::kLbaOutOfRange));
    EXPECT_FALSE(status_is_error(make_status(0, 0, true))); // DNR alone is not an error
}

TEST(SpecStatus, ConstantsMatchCqeFields) {
    Cqe c{};
    c.set_status(make_status(1, 0xb9));
    EXPECT_EQ(c.status() & 0x7ff, status::kZoneIsFull);
    c.set_status(make_status(0, 0x80));
    EXPECT_EQ(c.status() & 0x7ff, status::kLbaOutOfRange);
}

TEST(SpecOpcodes, Names) {
    EXPECT_EQ(admin_opcode_name(admin::kIdentify), "Identify");
    EXPECT_EQ(admin_opcode_name(0x00), "Delete I/O Submission Queue");
    EXPECT_EQ(admin_opcode_name(0x84), "Sanitize");
    EXPECT_EQ(admin_opcode_name(0x03), "Reserved");
    EXPECT_EQ(admin_opcode_name(0xc1), "Vendor Specific");
    EXPECT_EQ(io_opcode_name(0x02), "Read");
    EXPECT_EQ(io_opcode_name(0x19), "Copy");
    EXPECT_EQ(io_opcode_name(0x7d), "Zone Append");
    EXPECT_EQ(io_opcode_name(0x06), "Reserved");
    EXPECT_EQ(io_opcode_name(0xff), "Vendor Specific");
    EXPECT_EQ(opcode_name(0x02, true), "Get Log Page");
    EXPECT_EQ(opcode_name(0x02, false), "Read");
    EXPECT_EQ(data_direction(io::kWrite), DataDirection::HostToController);
    EXPECT_EQ(data_direction(io::kRead), DataDirection::ControllerToHost);
    EXPECT_EQ(data_direction(io::kFlush), DataDirection::None);
}

TEST(SpecOpcodes, FeatureLogAndZoneNames) {
    EXPECT_EQ(feature_name(feature::kNumberOfQueues), "Number of Queues");
    EXPECT_EQ(feature_name(0x0d), "Host Memory Buffer");
    EXPECT_EQ(feature_name(0x50), "Reserved");
    EXPECT_EQ(feature_name(0xc0), "Vendor Specific");
    EXPECT_EQ(log_page_name(2), "SMART / Health Information");
    EXPECT_EQ(log_page_name(0x81), "Sanitize Status");
    EXPECT_EQ(log_page_name(0xca), "Vendor Specific");
    EXPECT_EQ(zone_state_name(zone_state::kFull), "Full");
    EXPECT_EQ(zone_state_name(0x5), "Reserved");
}

TEST(SpecDescribe, IoCommandShowsLbaRange) {
    Sqe s{};
    s.set_opcode(io::kRead);
    s.set_cid(5);
    s.set_nsid(1);
    s.set_slba(0x10);
    s.set_nlb(8);
    s.set_prp1(0x12345000);
    EXPECT_EQ(describe(s, false), "Read (02h) cid:5 nsid:1 slba:16 nlb:8 prp1:0x12345000 prp2:0x0");
}

TEST(SpecDescribe, AdminCommandShowsDwordsAndDetail) {
    Sqe s{};
    s.set_opcode(admin::kGetLogPage);
    s.set_nsid(0xffffffff);
    s.set_cdw10(0x007f'0002); // SMART, 128 dwords
    EXPECT_EQ(describe(s, true),
              "Get Log Page (02h) cid:0 nsid:ffffffff lid:02 (SMART / Health Information) "
              "numd:128 cdw10:007f0002 cdw11:00000000 cdw12:00000000 cdw13:00000000 "
              "cdw14:00000000 cdw15:00000000 prp1:0x0 prp2:0x0");
    s.set_opcode(admin::kSetFeatures);
    s.set_cdw10(feature::kVolatileWriteCache);
    EXPECT_NE(describe(s, true).find("fid:06 (Volatile Write Cache)"), std::string::npos);
}

TEST(SpecDescribe, FusedAndSglAreShown) {
    Sqe s{};
    s.set_opcode(io::kCompare);
    s.set_fuse(fuse::kFirst);
    s.set_psdt(psdt::kSglContiguousMeta);
    s.set_sgl1(SglDescriptor::data_block(0x4000, 512));
    const std::string d = describe(s, false);
    EXPECT_NE(d.find("Compare (05h)"), std::string::npos) << d;
    EXPECT_NE(d.find("fuse:first"), std::string::npos) << d;
    EXPECT_NE(d.find("sgl1:type 0/0 addr 0x4000 len 512"), std::string::npos) << d;
}

TEST(SpecDescribe, Completion) {
    Cqe c{};
    c.set_sqhd(0x142);
    c.set_cid(95);
    c.set_phase(true);
    EXPECT_EQ(describe(c),
              "Successful Completion (00/00) sqid:0 cid:95 cdw0:0x0 sqhd:0142 p:1 m:0 dnr:0");
    c.set_status(make_status(0, 1, true));
    EXPECT_EQ(describe(c),
              "Invalid Command Opcode (00/01) sqid:0 cid:95 cdw0:0x0 sqhd:0142 p:1 m:0 dnr:1");
}
