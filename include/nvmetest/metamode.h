// SPDX-License-Identifier: BSD-3-Clause
//
// Metamode (seed 002 section 2, seed 003 "Python Space Driver"): the test
// builds every shared-memory structure of the NVMe protocol itself, the
// queues, their entries, PRPs and SGLs, and may break any rule on purpose.
// docs/metamode.md walks through the command flow.
//
//   #include <nvmetest/metamode.h>
//   using namespace nvmetest::meta;   // SQE, CQE, PRP, PRPList, SGLSegment, IOCQ, IOSQ
#ifndef NVMETEST_METAMODE_H
#define NVMETEST_METAMODE_H

#include "nvmetest/cxx20.h"

#include "nvmetest/meta/prp.h"
#include "nvmetest/meta/queues.h"
#include "nvmetest/meta/sgl.h"
#include "nvmetest/meta/sqe.h"

#endif  // NVMETEST_METAMODE_H
