// SPDX-License-Identifier: BSD-3-Clause
//
// Warnings, in place of Python's warnings module that PyNVMe3 tests rely on:
// an error status nobody checked, an AER, a timeout.  A warning is not an
// exception: the test goes on, the warning is logged and recorded, and the
// test decides (EXPECT_WARNS in nvmetest/gtest_warnings.h, or the end-of-test
// listing).  Every function here is thread-safe.
//
// Where a warning goes: to the innermost live WarningCapture if there is one
// (like pytest.warns), else to the process-wide record.  Fatal mode applies to
// the process-wide record only: a captured warning was expected.
#ifndef NVMETEST_WARNINGS_H
#define NVMETEST_WARNINGS_H

#include "nvmetest/cxx20.h"

#include "nvmetest/errors.h"

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace nvmetest {

// Thrown by warn() in fatal mode; what() is the warning's message.
class WarningError : public Error {
public:
    using Error::Error;
};

struct Warning {
    std::string message;
    std::chrono::system_clock::time_point time;
};

// Logs message at warning level and records it.  In fatal mode, with no
// capture active, throws WarningError after recording: so do not call it from
// destructors or noexcept code paths unless that is what you want.
void warn(std::string message);

// Records a warning that was already logged (no second log line), where warn()
// would record it.  For code that forwards warnings, such as EXPECT_WARNS
// handing on those that did not match.
void record_warning(Warning w);

// The process-wide record, oldest first.
std::vector<Warning> warnings();
std::size_t warning_count();
void clear_warnings();

// Fatal mode: warn() throws WarningError.  Returns the previous setting.
bool set_warnings_fatal(bool fatal);
bool warnings_fatal();

// While alive, catches the warnings of every thread instead of the process-wide
// record.  Captures nest; destroy them in reverse order of creation (scopes do).
class WarningCapture {
public:
    WarningCapture();
    ~WarningCapture();
    WarningCapture(const WarningCapture&) = delete;
    WarningCapture& operator=(const WarningCapture&) = delete;

    // Warnings caught so far, oldest first.
    std::vector<Warning> warnings() const;
    // Warnings caught so far, removed from the capture.
    std::vector<Warning> take();

private:
    friend void record_warning(Warning w);
    friend void warn(std::string message);
    std::vector<Warning> caught_; // guarded by the module's mutex
    WarningCapture* outer_;
};

} // namespace nvmetest

#endif // NVMETEST_WARNINGS_H
