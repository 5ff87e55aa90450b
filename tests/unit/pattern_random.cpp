// SPDX-License-Identifier: BSD-3-Clause
// The seeded random streams behind every random choice of the library.
#include "nvmetest/random.h"

#include <algorithm>
#include <array>
#include <gtest/gtest.h>
#include <thread>
#include <vector>

namespace {

std::vector<std::uint64_t> draw(std::size_t n) {
    std::vector<std::uint64_t> v(n);
    for (auto& x : v)
        x = nvmetest::rand64();
    return v;
}

// Draws n values in a new thread, pinned to stream (or unpinned when stream < 0).
std::vector<std::uint64_t> draw_in_thread(std::size_t n, int stream) {
    std::vector<std::uint64_t> v;
    std::thread t([&] {
        if (stream >= 0)
            nvmetest::rand_stream(static_cast<std::uint64_t>(stream));
        v = draw(n);
    });
    t.join();
    return v;
}

} // namespace

TEST(PatternRandomGen, XoshiroReferenceOutput) {
    // First outputs of xoshiro256** from state {1, 2, 3, 4}.
    nvmetest::Xoshiro256ss g(1, 2, 3, 4);
    EXPECT_EQ(g(), 11520u);
    EXPECT_EQ(g(), 0u);
    EXPECT_EQ(g(), 1509978240u);
    EXPECT_EQ(g(), 1215971899390074240u);
}

TEST(PatternRandomGen, SplitmixReferenceOutput) {
    std::uint64_t state = 0;
    EXPECT_EQ(nvmetest::splitmix64(state), 0xe220a8397b1dcdafull);
    EXPECT_EQ(nvmetest::splitmix64(state), 0x6e789e6aa1b965f4ull);
}

TEST(PatternRandomGen, SrandReplaysAndSeedReports) {
    nvmetest::srand(42);
    EXPECT_EQ(nvmetest::seed(), 42u);
    const auto a = draw(16);
    nvmetest::srand(42);
    EXPECT_EQ(draw(16), a);
    nvmetest::srand(43);
    EXPECT_NE(draw(16), a);
}

TEST(PatternRandomGen, ThreadsGetDistinctReproducibleStreams) {
    nvmetest::srand(7);
    const auto main0 = draw(8);
    const auto s3 = draw_in_thread(8, 3);
    const auto s4 = draw_in_thread(8, 4);
    const auto unpinned = draw_in_thread(8, -1); // first unpinned thread: stream 1
    EXPECT_NE(s3, s4);
    EXPECT_NE(s3, main0);
    EXPECT_NE(unpinned, main0);

    nvmetest::srand(7);
    EXPECT_EQ(draw(8), main0);
    EXPECT_EQ(draw_in_thread(8, 4), s4); // order of thread start does not matter
    EXPECT_EQ(draw_in_thread(8, 3), s3);
    EXPECT_EQ(draw_in_thread(8, -1), unpinned);
    EXPECT_EQ(draw_in_thread(8, 1), unpinned); // pinning to 1 names the same stream
}

TEST(PatternRandomGen, RandBelowIsUniform) {
    nvmetest::srand(99);
    EXPECT_EQ(nvmetest::rand_below(0), 0u);
    EXPECT_EQ(nvmetest::rand_below(1), 0u);
    std::array<int, 10> hist{};
    constexpr int kDraws = 100000;
    for (int i = 0; i < kDraws; ++i)
        ++hist[nvmetest::rand_below(10)];
    for (int h : hist)
        EXPECT_NEAR(h, kDraws / 10, kDraws / 10 / 20); // within 5%
}

TEST(PatternRandomGen, FillRandomCoversOddLengths) {
    nvmetest::srand(5);
    std::vector<std::uint8_t> a(13, 0);
    nvmetest::fill_random(a);
    nvmetest::srand(5);
    std::vector<std::uint8_t> b(13, 0);
    nvmetest::fill_random(b);
    EXPECT_EQ(a, b);
    // The last 5 bytes come from a second draw; all 13 zero is (2^-104) impossible.
    EXPECT_NE(std::count(a.begin() + 8, a.end(), 0), 5);
}
