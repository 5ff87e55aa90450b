// SPDX-License-Identifier: BSD-3-Clause
//
// nvmetest-ctl: the subcommands.  Each returns an exit status or throws.
#ifndef NVMETEST_CTL_COMMANDS_H
#define NVMETEST_CTL_COMMANDS_H

#include "cli.h"

namespace nvmetest::ctl {

int cmd_list(const Invocation& inv);
int cmd_bind(const Invocation& inv);
int cmd_unbind(const Invocation& inv);
int cmd_info(const Invocation& inv);
int cmd_cfg(const Invocation& inv);
int cmd_bar(const Invocation& inv);
int cmd_caps(const Invocation& inv);
int cmd_dma(const Invocation& inv);
int cmd_irq(const Invocation& inv);
int cmd_reset(const Invocation& inv);
int cmd_remove(const Invocation& inv);
int cmd_events(const Invocation& inv);
int cmd_regs(const Invocation& inv);
int cmd_identify(const Invocation& inv);

}  // namespace nvmetest::ctl

#endif  // NVMETEST_CTL_COMMANDS_H
