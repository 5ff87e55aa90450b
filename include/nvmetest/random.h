// SPDX-License-Identifier: BSD-3-Clause
//
// The library's random numbers.  Every random choice nvmetest makes (random
// data patterns, random LBAs, ...) draws from here, so srand(seed) replays a
// run exactly.  Each thread draws from its own xoshiro256** stream derived from
// the seed: no lock and no shared cache line on the hot path.
//
// Streams: the thread that calls srand() gets stream 0; other threads take
// streams 1, 2, ... in the order of their first draw after it.  Code that
// starts threads in a nondeterministic order (I/O workers) pins each thread
// with rand_stream(index) to stay reproducible.
//
// Without srand() the seed is random, chosen on first use and logged, so that
// a failing run can be replayed with the logged value.
#ifndef NVMETEST_RANDOM_H
#define NVMETEST_RANDOM_H

#include "nvmetest/cxx20.h"

#include <cstdint>
#include <limits>
#include <span>

namespace nvmetest {

// Restarts every stream from seed.
void srand(std::uint64_t seed);
// The seed in force (chooses and logs the default one if none was set yet).
std::uint64_t seed();
// Next 64 random bits of the calling thread's stream.
std::uint64_t rand64();
// Uniform in [0, n); 0 when n is 0.  Unbiased (rejection sampling).
std::uint64_t rand_below(std::uint64_t n);
// Fills data with random bytes from the calling thread's stream.
void fill_random(std::span<std::uint8_t> data);
// Makes the calling thread draw from stream index of the current seed, from its
// start, now and after every later srand().
void rand_stream(std::uint64_t index);

// xoshiro256** 1.0 (Blackman and Vigna): the generator behind the streams,
// public so that tests and tools can run private, independent sequences.  It
// satisfies UniformRandomBitGenerator, so <random> distributions accept it.
class Xoshiro256ss {
public:
    using result_type = std::uint64_t;

    // State expanded from one 64-bit value with splitmix64, as the authors advise.
    explicit Xoshiro256ss(std::uint64_t seed) noexcept;
    // State given as is; it must not be all zero.
    Xoshiro256ss(std::uint64_t s0, std::uint64_t s1, std::uint64_t s2, std::uint64_t s3) noexcept
        : s_{s0, s1, s2, s3} {}

    result_type operator()() noexcept {
        const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
        const std::uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = rotl(s_[3], 45);
        return result;
    }
    static constexpr result_type min() noexcept { return 0; }
    static constexpr result_type max() noexcept { return std::numeric_limits<result_type>::max(); }

private:
    static std::uint64_t rotl(std::uint64_t x, int k) noexcept {
        return (x << k) | (x >> (64 - k));
    }
    std::uint64_t s_[4];
};

// One step of splitmix64: advances state and returns the mixed value.
std::uint64_t splitmix64(std::uint64_t& state) noexcept;

} // namespace nvmetest

#endif // NVMETEST_RANDOM_H
