// SPDX-License-Identifier: BSD-3-Clause
//
// The I/O queue ID registry shared by Qpairs and metamode queues.
#include <algorithm>

#include "core/controller_core.h"

namespace nvmetest::core {

const char* ControllerCore::queue_id_holder(std::uint16_t id, bool sq, bool cq) const noexcept
{
    const bool qpair = std::any_of(qpairs.begin(), qpairs.end(), [id](const QpairCore* q) {
        return !q->dead && q->q && q->q->qid() == id;
    });
    if (qpair)
        return "a Qpair";
    if (sq && std::find(meta_sqids.begin(), meta_sqids.end(), id) != meta_sqids.end())
        return "a metamode IOSQ";
    if (cq && std::find(meta_cqids.begin(), meta_cqids.end(), id) != meta_cqids.end())
        return "a metamode IOCQ";
    return nullptr;
}

}  // namespace nvmetest::core
