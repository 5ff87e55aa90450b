// SPDX-License-Identifier: BSD-3-Clause
#include "cli.h"

#include <cctype>
#include <cstdio>
#include <iostream>
#include <limits>

#include "commands.h"
#include "nvmetest/hex_digit.h"
#include "nvmetest/pci_sysfs.h"

namespace nvmetest::ctl {
namespace {

const OptionSpec kHelpOpt{"help", false, "", "show this help"};

std::vector<CommandSpec> make_commands()
{
    return {
        {"list", "", "list functions bound to nvmetest and NVMe functions that could be",
         "Lists the PCI functions bound to nvmetest (with their device nodes), then every\n"
         "NVMe-class function (class 0108xx) with its current driver: those are the ones\n"
         "'bind' can take.  --all lists every PCI function instead.",
         {{"all", false, "", "list every PCI function, not only NVMe ones"}}, 0, 0, cmd_list},
        {"bind", "<bdf>", "take a function from its driver and bind it to nvmetest",
         "Sets driver_override to nvmetest, unbinds the function from its current driver\n"
         "(usually the kernel's nvme driver) and asks the kernel to probe it again, then\n"
         "waits for /dev/nvmetest/<bdf>.  Refuses (exit 4) while any of its block devices\n"
         "or partitions is mounted, used as swap, held by another device (dm, md) or open\n"
         "exclusively.  Needs root.",
         {{"force", false, "", "skip the in-use checks (data loss if the disk is in use)"},
          {"timeout-ms", true, "N", "wait up to N ms for the device node (default 5000)"}},
         1, 1, cmd_bind},
        {"unbind", "<bdf>", "give a function back to its kernel driver",
         "Clears driver_override, unbinds the function from nvmetest and asks the kernel\n"
         "to probe it, so the nvme driver (if loaded) takes it back.  Needs root.",
         {}, 1, 1, cmd_unbind},
        {"info", "<bdf>", "show what the module reports about a bound function",
         "IDs, class, config space size, BARs, interrupt vectors, supported resets, DMA\n"
         "limits and whether an IOMMU translates DMA.",
         {}, 1, 1, cmd_info},
        {"cfg", "<bdf> read <offset> [width] | <bdf> write <offset> [width] <value>",
         "read or write config space",
         "Width is 1, 2 or 4 bytes (default 4) at a naturally aligned offset; offsets and\n"
         "values may be decimal or 0x hex.",
         {}, 3, 5, cmd_cfg},
        {"bar", "<bdf> read <bar> <offset> [width] | <bdf> write <bar> <offset> [width] <value>",
         "read or write a BAR",
         "Width is 1, 2, 4 or 8 bytes (default 4).  The access goes through the module's\n"
         "BAR ioctl, or through an uncached mapping with --mmap.",
         {{"mmap", false, "", "access through mmap instead of the ioctl"}}, 4, 6, cmd_bar},
        {"caps", "<bdf>", "walk and name the standard and extended capabilities",
         "Prints each capability's offset, ID, name and main fields, and any problem of\n"
         "the lists (loops, pointers outside config space).",
         {}, 1, 1, cmd_caps},
        {"dma", "<bdf> [size]", "allocate DMA memory, map it, fill it, check it, free it",
         "Allocates size bytes (default 4096; K, M, G suffixes) count times, prints each\n"
         "bus address (IOVA), fills each with a pattern that differs per dword and per\n"
         "allocation, checks every byte, and frees them.  Exit 3 on a mismatch.",
         {{"count", true, "N", "number of allocations (default 1)"},
          {"pattern", true, "V", "32-bit seed of the fill pattern (default 0xa5a5a5a5)"}},
         1, 2, cmd_dma},
        {"irq", "<bdf> <intx|msi|msix> [count]", "set up interrupts, fire one, wait for it",
         "Sets up count vectors (default 1) of the type, each with an eventfd; fires the\n"
         "software trigger on --vector (default 0), waits for its eventfd, and prints the\n"
         "per-vector counters from the mapped counter page.  With --mask the vector is\n"
         "masked around the trigger and the result printed.  Exit 3 when the eventfd does\n"
         "not fire in time.",
         {{"vector", true, "V", "vector to trigger (default 0)"},
          {"timeout-ms", true, "N", "wait up to N ms (default 1000)"},
          {"mask", false, "", "also trigger while masked and show what happens"}},
         2, 3, cmd_irq},
        {"reset", "<bdf> <flr|hot|link|pm>", "reset the function",
         "flr: function level reset; hot: secondary bus reset of the upstream bridge;\n"
         "link: link disable/enable on the upstream port; pm: D0->D3hot->D0.  Config space\n"
         "is saved and restored; BAR mappings are zapped.  'info' lists what the topology\n"
         "supports.",
         {{"hold-ms", true, "N", "time held in reset (default: the method's minimum)"}}, 2, 2,
         cmd_reset},
        {"remove", "<bdf>", "remove the function from the PCI bus",
         "Every open file of the function then fails with ENODEV.  With --rescan, the\n"
         "parent bus is rescanned after --delay-ms and the function comes back bound to\n"
         "nvmetest under the same name.",
         {{"rescan", false, "", "rescan the parent bus afterwards"},
          {"delay-ms", true, "N", "delay before the rescan (default 0)"}},
         1, 1, cmd_remove},
        {"events", "", "print nvmetest netlink events as they happen",
         "Subscribes to the generic netlink family 'nvmetest', group 'events', and prints\n"
         "one line per event until Ctrl-C, --count events, or --timeout seconds.",
         {{"count", true, "N", "stop after N events"},
          {"timeout", true, "S", "stop after S seconds (exit 3 if --count was not reached)"},
          {"device", true, "BDF", "only events of this function"}},
         0, 0, cmd_events},
        {"regs", "<bdf> [register...]", "decode the NVMe controller registers of BAR0",
         "Reads CAP, VS, INTMS, INTMC, CC, CSTS, NSSR, AQA, ASQ, ACQ, CMBLOC, CMBSZ,\n"
         "BPINFO, ..., PMRCAP... through a BAR0 mapping (64-bit registers as two dword\n"
         "reads) and decodes each field.  Name registers to show only those.",
         {{"raw", false, "", "values only, no field decoding"}}, 1, 64, cmd_regs},
        {"identify", "<bdf>", "identify the controller through an admin queue in DMA memory",
         "Disables the controller (CC.EN=0, waits for CSTS.RDY=0), builds an admin\n"
         "submission and completion queue in DMA memory, enables it, issues Identify\n"
         "Controller (CNS 01h) and polls the completion's phase bit, then prints the main\n"
         "fields and disables the controller again.  Timeouts follow CAP.TO.  This takes\n"
         "the controller away from anything else using it.  Exit 3 on a timeout or an\n"
         "error status.",
         {{"hex", false, "", "also dump the 4096-byte structure"},
          {"timeout-ms", true, "N", "command timeout (default: CAP.TO)"}},
         1, 1, cmd_identify},
    };
}

bool is_option(std::string_view s) { return s.size() > 1 && s[0] == '-' && s != "-"; }

}  // namespace

const std::vector<CommandSpec>& commands()
{
    static const std::vector<CommandSpec> table = make_commands();
    return table;
}

const CommandSpec* find_command(std::string_view name)
{
    for (const auto& c : commands())
        if (c.name == name)
            return &c;
    return nullptr;
}

std::string Invocation::value(std::string_view opt, std::string_view fallback) const
{
    auto it = options.find(opt);
    return it == options.end() ? std::string(fallback) : it->second;
}

std::uint64_t Invocation::number(std::string_view opt, std::uint64_t fallback) const
{
    auto it = options.find(opt);
    return it == options.end() ? fallback : parse_number(it->second, "--" + std::string(opt));
}

std::uint64_t parse_number(std::string_view text, std::string_view what)
{
    auto bad = [&]() -> UsageError {
        return UsageError(std::string(what) + " '" + std::string(text) +
                          "' is not a number: write it in decimal or as 0x hex");
    };
    std::string_view s = text;
    unsigned base = 10;
    if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s.remove_prefix(2);
    } else if (s.size() > 2 && s[0] == '0' && (s[1] == 'b' || s[1] == 'B')) {
        base = 2;
        s.remove_prefix(2);
    }
    if (s.empty())
        throw bad();
    std::uint64_t v = 0;
    for (char c : s) {
        if (c == '_')
            continue;  // 0x0001_0400 reads better
        const int digit = hex_digit_value(c);
        if (digit < 0 || static_cast<unsigned>(digit) >= base)
            throw bad();
        const auto d = static_cast<unsigned>(digit);
        if (v > (std::numeric_limits<std::uint64_t>::max() - d) / base)
            throw UsageError(std::string(what) + " '" + std::string(text) +
                             "' does not fit in 64 bits");
        v = v * base + d;
    }
    return v;
}

std::uint64_t parse_size(std::string_view text, std::string_view what)
{
    if (text.empty())
        throw UsageError(std::string(what) + " is empty: give a number of bytes");
    unsigned shift = 0;
    switch (std::toupper(static_cast<unsigned char>(text.back()))) {
    case 'K': shift = 10; break;
    case 'M': shift = 20; break;
    case 'G': shift = 30; break;
    default: break;
    }
    // A trailing hex digit is never a suffix: "0x1b" is 27, "2K" is 2048.
    const bool hex = text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
    if (shift && hex)
        shift = 0;
    if (shift)
        text.remove_suffix(1);
    const std::uint64_t v = parse_number(text, what);
    if (shift && v > (std::numeric_limits<std::uint64_t>::max() >> shift))
        throw UsageError(std::string(what) + " is too large");
    return v << shift;
}

unsigned parse_width(std::string_view text, bool allow8)
{
    const std::uint64_t w = parse_number(text, "width");
    if (w == 1 || w == 2 || w == 4 || (allow8 && w == 8))
        return static_cast<unsigned>(w);
    throw UsageError("width " + std::string(text) + " is not supported: use 1, 2, 4" +
                     (allow8 ? " or 8" : "") + " bytes");
}

Invocation parse(std::span<const std::string> argv)
{
    Invocation inv;
    std::size_t i = 0;
    // Global options before the command.
    while (i < argv.size() && is_option(argv[i])) {
        if (argv[i] == "-h" || argv[i] == "--help") {
            inv.help = true;
            ++i;
            continue;
        }
        throw UsageError("unknown option '" + argv[i] +
                         "' before the command: options go after it (see nvmetest-ctl --help)");
    }
    if (i == argv.size()) {
        inv.help = true;
        return inv;
    }
    std::string name = argv[i++];
    if (name == "help") {
        inv.help = true;
        if (i == argv.size())
            return inv;
        name = argv[i++];
    }
    inv.command = find_command(name);
    if (!inv.command)
        throw UsageError("unknown command '" + name + "': nvmetest-ctl --help lists them");

    bool options_done = false;
    for (; i < argv.size(); ++i) {
        const std::string& a = argv[i];
        if (!options_done && a == "--") {
            options_done = true;
            continue;
        }
        if (!options_done && is_option(a) && !(a.size() > 1 && std::isdigit(static_cast<unsigned char>(a[1])))) {
            if (a == "-h" || a == "--help") {
                inv.help = true;
                continue;
            }
            if (a.rfind("--", 0) != 0)
                throw UsageError("option '" + a + "' of " + name + " must be spelled --<name>: "
                                 "nvmetest-ctl " + name + " --help lists them");
            std::string key = a.substr(2);
            std::optional<std::string> val;
            if (auto eq = key.find('='); eq != std::string::npos) {
                val = key.substr(eq + 1);
                key.resize(eq);
            }
            const OptionSpec* spec = nullptr;
            for (const auto& o : inv.command->options)
                if (o.name == key)
                    spec = &o;
            if (!spec)
                throw UsageError("unknown option '--" + key + "' for " + name +
                                 ": nvmetest-ctl " + name + " --help lists its options");
            if (spec->takes_value) {
                if (!val) {
                    if (i + 1 == argv.size())
                        throw UsageError("option --" + key + " of " + name + " needs a value (" +
                                         std::string(spec->value_name) + ")");
                    val = argv[++i];
                }
                inv.options[key] = *val;
            } else {
                if (val)
                    throw UsageError("option --" + key + " of " + name + " takes no value");
                inv.options[key] = "";
            }
            continue;
        }
        inv.args.push_back(a);
    }
    if (inv.help)
        return inv;
    if (inv.args.size() < inv.command->min_args || inv.args.size() > inv.command->max_args)
        throw UsageError("'" + name + "' takes " +
                         (inv.command->args.empty() ? std::string("no arguments")
                                                    : std::string(inv.command->args)) +
                         ": nvmetest-ctl " + name + " --help explains");
    return inv;
}

std::string usage()
{
    std::string s =
        "usage: nvmetest-ctl <command> [options] [arguments]\n"
        "       nvmetest-ctl <command> --help\n\n"
        "Debugging tool for PCI functions bound to nvmetest.ko.  <bdf> is a PCI address as\n"
        "lspci -D prints it (0000:01:00.0, or 01:00.0 for domain 0).\n\ncommands:\n";
    for (const auto& c : commands()) {
        char line[160];
        std::snprintf(line, sizeof(line), "  %-10s %s\n", std::string(c.name).c_str(),
                      std::string(c.summary).c_str());
        s += line;
    }
    s += "\nexit status: 0 success, 1 operation failed, 2 usage error, 3 check failed,\n"
         "4 refused for safety.  See nvmetest-ctl(8).\n";
    return s;
}

std::string command_help(const CommandSpec& c)
{
    std::string s = "usage: nvmetest-ctl " + std::string(c.name);
    if (!c.options.empty())
        s += " [options]";
    if (!c.args.empty())
        s += " " + std::string(c.args);
    s += "\n\n" + std::string(c.summary) + ".\n\n" + std::string(c.details) + "\n";
    s += "\noptions:\n";
    auto add = [&s](const OptionSpec& o) {
        std::string left = "--" + std::string(o.name);
        if (o.takes_value)
            left += " " + std::string(o.value_name);
        char line[200];
        std::snprintf(line, sizeof(line), "  %-18s %s\n", left.c_str(), std::string(o.help).c_str());
        s += line;
    };
    for (const auto& o : c.options)
        add(o);
    add(kHelpOpt);
    return s;
}

int run(int argc, char** argv)
{
    std::vector<std::string> args(argv + 1, argv + argc);
    Invocation inv;
    try {
        inv = parse(args);
    } catch (const UsageError& e) {
        std::cerr << "nvmetest-ctl: " << e.what() << "\n";
        return kExitUsage;
    }
    if (inv.help) {
        std::cout << (inv.command ? command_help(*inv.command) : usage());
        return kExitOk;
    }
    try {
        return inv.command->run(inv);
    } catch (const BindRefusedError& e) {
        std::cerr << "nvmetest-ctl: " << e.what() << "\n";
        return kExitRefused;
    } catch (const CheckFailed& e) {
        std::cerr << "nvmetest-ctl: " << e.what() << "\n";
        return kExitCheckFailed;
    } catch (const TimeoutError& e) {
        std::cerr << "nvmetest-ctl: " << e.what() << "\n";
        return kExitCheckFailed;
    } catch (const UsageError& e) {
        std::cerr << "nvmetest-ctl: " << e.what() << "\n";
        return kExitUsage;
    } catch (const std::exception& e) {
        std::cerr << "nvmetest-ctl: " << e.what() << "\n";
        return kExitFailure;
    }
}

}  // namespace nvmetest::ctl
