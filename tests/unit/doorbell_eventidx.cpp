// SPDX-License-Identifier: BSD-3-Clause
// The EventIdx rule of shadow doorbells (core::passes_event): an update from
// old to next must also go to BAR0 exactly when the controller's event index
// lies in [old, next) around the ring.  Checked against a plain walk of the
// ring for every old, next and event of small rings, and at the 65536 edge.
#include <gtest/gtest.h>

#include "core/queue.h"

namespace {

using nvmetest::core::passes_event;

// Walks the ring from old to next and says whether event is one of the slots passed.
bool walk(std::uint32_t event, std::uint32_t next, std::uint32_t old, std::uint32_t depth)
{
    for (std::uint32_t i = old; i != next; i = (i + 1) % depth)
        if (i == event)
            return true;
    return false;
}

TEST(DoorbellEventIdx, MatchesAWalkOfTheRing)
{
    for (std::uint32_t depth : {2u, 3u, 16u, 17u, 64u})
        for (std::uint32_t old = 0; old < depth; old++)
            for (std::uint32_t next = 0; next < depth; next++) {
                if (next == old)
                    continue;  // no update
                for (std::uint32_t event = 0; event < depth; event++)
                    ASSERT_EQ(passes_event(event, next, old, depth), walk(event, next, old, depth))
                        << "depth " << depth << " old " << old << " next " << next << " event "
                        << event;
            }
}

TEST(DoorbellEventIdx, LargestRingAndUntrustedValues)
{
    EXPECT_TRUE(passes_event(65535, 1, 65535, 65536));   // wraps through 0
    EXPECT_TRUE(passes_event(0, 1, 65535, 65536));
    EXPECT_FALSE(passes_event(1, 1, 65535, 65536));
    EXPECT_FALSE(passes_event(65534, 1, 65535, 65536));
    // An event index outside the ring (stale or garbage memory) is not trusted.
    EXPECT_TRUE(passes_event(64, 5, 4, 64));
    EXPECT_TRUE(passes_event(0xdeadbeef, 5, 4, 64));
}

}  // namespace
