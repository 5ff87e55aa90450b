// SPDX-License-Identifier: BSD-3-Clause
#include "nvmetest/random.h"

#include <atomic>
#include <cstring>
#include <mutex>
#include <random>
#include <spdlog/spdlog.h>

namespace nvmetest {
namespace {

// srand() and the choice of the default seed are rare: a mutex keeps them
// simple.  Draws only read g_generation, to notice that the seed changed.
std::mutex g_mutex;
bool g_seeded = false; // guarded by g_mutex
std::atomic<std::uint64_t> g_seed{0};
std::atomic<std::uint64_t> g_generation{1};  // bumped by every srand()
std::atomic<std::uint64_t> g_next_stream{0}; // next stream for an unpinned thread

struct ThreadStream {
    std::uint64_t generation = 0; // 0: never seeded
    std::uint64_t index = 0;
    bool pinned = false;
    Xoshiro256ss gen{0};
};
thread_local ThreadStream t_stream;

// Caller holds g_mutex.
void choose_default_seed_locked() {
    if (g_seeded)
        return;
    std::random_device rd;
    const std::uint64_t s = std::uint64_t{rd()} << 32 | rd();
    g_seed.store(s, std::memory_order_relaxed);
    g_seeded = true;
    spdlog::info("nvmetest random seed: {} (nvmetest::srand({}) replays this run)", s, s);
}

Xoshiro256ss stream_generator(std::uint64_t seed, std::uint64_t index) {
    // Distinct, well-mixed starting points per (seed, stream): hash the stream
    // number before combining so that nearby seeds and streams do not overlap.
    std::uint64_t mix = index ^ 0x6a09e667f3bcc909ull;
    return Xoshiro256ss(seed ^ splitmix64(mix));
}

void reseed(ThreadStream& st, std::uint64_t generation) {
    std::uint64_t s;
    {
        std::lock_guard lock(g_mutex);
        choose_default_seed_locked();
        s = g_seed.load(std::memory_order_relaxed);
    }
    if (!st.pinned)
        st.index = g_next_stream.fetch_add(1, std::memory_order_relaxed);
    st.gen = stream_generator(s, st.index);
    st.generation = generation;
}

ThreadStream& current() {
    ThreadStream& st = t_stream;
    const std::uint64_t generation = g_generation.load(std::memory_order_acquire);
    if (st.generation != generation) [[unlikely]]
        reseed(st, generation);
    return st;
}

} // namespace

std::uint64_t splitmix64(std::uint64_t& state) noexcept {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

Xoshiro256ss::Xoshiro256ss(std::uint64_t seed) noexcept {
    for (auto& word : s_)
        word = splitmix64(seed);
}

void srand(std::uint64_t seed) {
    std::uint64_t generation;
    {
        std::lock_guard lock(g_mutex);
        g_seeded = true;
        g_seed.store(seed, std::memory_order_relaxed);
        g_next_stream.store(1, std::memory_order_relaxed);
        generation = g_generation.fetch_add(1, std::memory_order_acq_rel) + 1;
    }
    spdlog::debug("nvmetest random seed set: {}", seed);
    // The caller owns stream 0 unless it pinned another one.
    ThreadStream& st = t_stream;
    if (!st.pinned)
        st.index = 0;
    st.gen = stream_generator(seed, st.index);
    st.generation = generation;
}

std::uint64_t seed() {
    std::lock_guard lock(g_mutex);
    choose_default_seed_locked();
    return g_seed.load(std::memory_order_relaxed);
}

std::uint64_t rand64() {
    return current().gen();
}

std::uint64_t rand_below(std::uint64_t n) {
    if (n == 0)
        return 0;
    // Reject the top partial range so that every residue is equally likely.
    const std::uint64_t threshold = (0 - n) % n;
    Xoshiro256ss& gen = current().gen;
    for (;;) {
        const std::uint64_t r = gen();
        if (r >= threshold)
            return r % n;
    }
}

void fill_random(std::span<std::uint8_t> data) {
    Xoshiro256ss& gen = current().gen;
    std::size_t i = 0;
    for (; i + 8 <= data.size(); i += 8) {
        const std::uint64_t r = gen();
        std::memcpy(data.data() + i, &r, 8);
    }
    if (i < data.size()) {
        const std::uint64_t r = gen();
        std::memcpy(data.data() + i, &r, data.size() - i);
    }
}

void rand_stream(std::uint64_t index) {
    ThreadStream& st = t_stream;
    st.pinned = true;
    st.index = index;
    st.generation = 0; // reseed from the stream's start on the next draw
}

} // namespace nvmetest
