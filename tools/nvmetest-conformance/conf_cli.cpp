// SPDX-License-Identifier: BSD-3-Clause
#include "conf_cli.h"

#include "nvmetest/errors.h"

namespace nvmetest::conf {
namespace {

void split_into(std::vector<std::string>& out, std::string_view list)
{
    while (!list.empty()) {
        const auto comma = list.find(',');
        const auto item = list.substr(0, comma);
        if (!item.empty())
            out.emplace_back(item);
        list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    }
}

}  // namespace

std::string usage()
{
    return "usage: nvmetest-conformance [--pciaddr BDF] [--filter PATTERN]... [--destructive]\n"
           "                            [--junit FILE] [--html FILE] [--json FILE]\n"
           "                            [--expected-failures FILE] [--list] [-v] [-q]\n"
           "Runs the NVMe conformance cases against a controller bound to nvmetest.\n"
           "FILE '-' is standard output (the progress and summary then go to stderr).\n"
           "See nvmetest-conformance(1).\n";
}

Config parse(std::span<const std::string> argv, std::string_view env_pciaddr, std::string_view env_dut)
{
    Config cfg;
    for (std::size_t i = 0; i < argv.size(); ++i) {
        std::string opt = argv[i];
        std::string value;
        bool has_value = false;
        if (opt.rfind("--", 0) == 0) {
            const auto eq = opt.find('=');
            if (eq != std::string::npos) {
                value = opt.substr(eq + 1);
                opt.resize(eq);
                has_value = true;
            }
        }
        auto take = [&]() -> std::string {
            if (has_value)
                return value;
            if (i + 1 >= argv.size())
                throw UsageError(opt + " needs a value");
            return argv[++i];
        };
        auto flag = [&] {
            if (has_value)
                throw UsageError(opt + " takes no value");
        };
        if (opt == "--pciaddr")
            cfg.pciaddr = take();
        else if (opt == "--filter")
            split_into(cfg.filters, take());
        else if (opt == "--junit")
            cfg.junit_path = take();
        else if (opt == "--html")
            cfg.html_path = take();
        else if (opt == "--json")
            cfg.json_path = take();
        else if (opt == "--expected-failures")
            cfg.expected_failures_path = take();
        else if (opt == "--destructive")
            flag(), cfg.destructive = true;
        else if (opt == "--list")
            flag(), cfg.list = true;
        else if (opt == "-v" || opt == "--verbose")
            flag(), cfg.verbose = true;
        else if (opt == "-q" || opt == "--quiet")
            flag(), cfg.quiet = true;
        else if (opt == "-h" || opt == "--help")
            flag(), cfg.help = true;
        else
            throw UsageError("unknown option " + argv[i] + " (nvmetest-conformance --help)");
    }
    int to_stdout = 0;
    for (const auto* p : {&cfg.junit_path, &cfg.html_path, &cfg.json_path})
        to_stdout += *p == "-";
    if (to_stdout > 1)
        throw UsageError("only one of --junit, --html and --json can be '-' (standard output)");
    if (cfg.pciaddr.empty())
        cfg.pciaddr = !env_pciaddr.empty() ? env_pciaddr : env_dut;
    if (cfg.pciaddr.empty() && !cfg.list && !cfg.help)
        throw UsageError("no device: pass --pciaddr 0000:01:00.0, or set NVMETEST_PCIADDR "
                         "(tests/vm/nvmetest-vm sets NVMETEST_DUT)");
    return cfg;
}

}  // namespace nvmetest::conf
