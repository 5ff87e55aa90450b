// SPDX-License-Identifier: BSD-3-Clause
//
// Every public header of nvmetest includes this one first: the headers use
// C++20 (operator<=>, designated initializers, std::span, concepts), and
// without it the first error a compiler gives is far from the cause.
// `pkg-config --cflags nvmetest` and the CMake targets pass -std=c++20.
#ifndef NVMETEST_CXX20_H
#define NVMETEST_CXX20_H

#if !defined(__cplusplus) || __cplusplus < 202002L
#error "nvmetest needs C++20: compile with -std=c++20 (or newer); pkg-config --cflags nvmetest gives it"
#endif

#endif  // NVMETEST_CXX20_H
