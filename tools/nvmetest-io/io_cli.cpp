// SPDX-License-Identifier: BSD-3-Clause
#include "io_cli.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <functional>
#include <limits>

#include "cli.h"  // nvmetest-ctl's number syntax: decimal, 0x hex, 0b binary
#include "nvmetest/errors.h"

namespace nvmetest::io {
namespace {

// I/O opcode names, as nvme-cli and the NVM Command Set specification name
// the commands (Figure "Opcodes for NVM Commands").
constexpr std::pair<std::string_view, std::uint8_t> kIoOpcodeNames[] = {
    {"flush", 0x00},        {"write", 0x01},  {"read", 0x02},       {"write_uncorrectable", 0x04},
    {"compare", 0x05},      {"write_zeroes", 0x08}, {"dsm", 0x09},  {"deallocate", 0x09},
    {"trim", 0x09},         {"verify", 0x0c}, {"copy", 0x19},
};

// nvmetest-ctl's number syntax; a negative value gets a sentence saying so
// (ctl's parser would call it "not a number").
std::uint64_t parse_number(std::string_view text, std::string_view what)
{
    if (text.starts_with("-"))
        throw UsageError(std::string(what) + " '" + std::string(text) +
                         "' is negative: it takes a number >= 0");
    return ctl::parse_number(text, what);
}

std::string quoted(std::string_view opt, std::string_view text)
{
    return "--" + std::string(opt) + " '" + std::string(text) + "'";
}

std::vector<std::string_view> split(std::string_view text, char sep)
{
    std::vector<std::string_view> parts;
    for (;;) {
        const auto at = text.find(sep);
        parts.push_back(text.substr(0, at));
        if (at == std::string_view::npos)
            return parts;
        text.remove_prefix(at + 1);
    }
}

std::uint64_t bounded(std::string_view text, std::string_view what, std::uint64_t max)
{
    const std::uint64_t v = parse_number(text, what);
    if (v > max)
        throw UsageError(std::string(what) + " '" + std::string(text) + "' is above " +
                         std::to_string(max));
    return v;
}

template <class T>
T as(std::string_view text, std::string_view what)
{
    return static_cast<T>(bounded(text, what, std::numeric_limits<T>::max()));
}

// A job option: its value's syntax and default (for usage()) and where it goes.
struct JobOption {
    std::string_view name;
    std::string_view syntax;
    std::string def;
    std::function<void(JobSpec&, std::string_view, const std::string&)> set;
};

std::string decimal(double v)
{
    std::string t = std::to_string(v);
    t.erase(t.find_last_not_of('0') + 1);
    if (t.ends_with('.'))
        t.pop_back();
    return t;
}

// --qdepth: a count of commands in flight.  PyNVMe3 gives -1 no meaning,
// and a depth cannot be negative: say what the value is instead.
unsigned parse_qdepth(std::string_view v, const std::string& w)
{
    if (v.starts_with("-"))
        throw UsageError(w + " '" + std::string(v) +
                         "': the queue depth is the number of commands in flight, 1 or more "
                         "(the queue has qdepth + 1 entries, at most CAP.MQES + 1); "
                         "there is no 'as deep as the device allows' value");
    return as<unsigned>(v, w);
}

const std::vector<JobOption>& job_options()
{
    using S = std::string_view;
    using W = const std::string&;  // the option's name, "--io_size"
    const IOWorkerArgs d{};
    std::string percentiles;
    for (double p : JobSpec{}.percentiles)
        percentiles += (percentiles.empty() ? "" : ",") + decimal(p);
    static const std::vector<JobOption> table{
        {"io_size", "N | N,N,... | N:W,N:W,... | range(A,B)", "8",
         [](JobSpec& j, S v, W) { j.args.io_size = parse_io_size(v); }},
        {"lba_align", "LBAS", std::to_string(d.lba_align), [](JobSpec& j, S v, W w) { j.args.lba_align = parse_number(v, w); }},
        {"time", "SECONDS", "0 (no time limit)", [](JobSpec& j, S v, W w) { j.args.time = parse_double(v, w); }},
        {"io_count", "N", "0 (unlimited)", [](JobSpec& j, S v, W w) { j.args.io_count = parse_number(v, w); }},
        {"lba_count", "N", "0 (unlimited)", [](JobSpec& j, S v, W w) { j.args.lba_count = parse_number(v, w); }},
        {"lba_random", "true | false | PERCENT", "true",
         [](JobSpec& j, S v, W) { j.args.lba_random = parse_lba_random(v); }},
        {"lba_start", "LBA", "region_start", [](JobSpec& j, S v, W w) { j.args.lba_start = parse_number(v, w); }},
        {"lba_step", "LBAS (may be negative)", "the size of the command (contiguous)",
         [](JobSpec& j, S v, W w) { j.args.lba_step = parse_signed(v, w); }},
        {"start_time", "EPOCH_SECONDS", "now",
         [](JobSpec& j, S v, W w) { j.args.start_time = parse_double(v, w); }},
        {"read_percentage", "0..100", std::to_string(d.read_percentage),
         [](JobSpec& j, S v, W w) { j.args.read_percentage = static_cast<int>(bounded(v, w, 100)); }},
        {"op_percentage", "OPCODE:PERCENT,... (OPCODE: a number or read, write, ...)", "from read_percentage",
         [](JobSpec& j, S v, W) { j.args.op_percentage = parse_op_percentage(v); }},
        {"sgl_percentage", "0..100", std::to_string(d.sgl_percentage),
         [](JobSpec& j, S v, W w) { j.args.sgl_percentage = static_cast<unsigned>(bounded(v, w, 100)); }},
        {"qdepth", "N", std::to_string(d.qdepth), [](JobSpec& j, S v, W w) { j.args.qdepth = parse_qdepth(v, w); }},
        {"qprio", "0..3", std::to_string(d.qprio), [](JobSpec& j, S v, W w) { j.args.qprio = static_cast<unsigned>(bounded(v, w, 3)); }},
        {"region_start", "LBA[,LBA...]", "0",
         [](JobSpec& j, S v, W w) { j.args.region_start = parse_lba_list(v, w); }},
        {"region_end", "LBA[,LBA...]", "the capacity",
         [](JobSpec& j, S v, W w) { j.args.region_end = parse_lba_list(v, w); }},
        {"iops", "N", "0 (unlimited)", [](JobSpec& j, S v, W w) { j.args.iops = as<std::uint32_t>(v, w); }},
        {"io_flags", "0xFLAGS", std::to_string(d.io_flags), [](JobSpec& j, S v, W w) { j.args.io_flags = as<std::uint16_t>(v, w); }},
        {"distribution", "100 weights W,W,... summing to 10000", "uniform",
         [](JobSpec& j, S v, W w) {
             j.args.distribution.clear();
             for (auto part : split(v, ','))
                 j.args.distribution.push_back(as<std::uint32_t>(part, w));
         }},
        {"pvalue", "N", std::to_string(d.pvalue), [](JobSpec& j, S v, W w) { j.args.pvalue = parse_number(v, w); }},
        {"ptype", "N", "0xbeef (random data)", [](JobSpec& j, S v, W w) { j.args.ptype = as<std::uint32_t>(v, w); }},
        {"io_sequence", "SLBA:NLB:OPCODE:TIME_US,...", "none",
         [](JobSpec& j, S v, W) { j.args.io_sequence = parse_io_sequence(v); }},
        {"slow_latency", "MICROSECONDS", std::to_string(d.slow_latency),
         [](JobSpec& j, S v, W w) { j.args.slow_latency = parse_number(v, w); }},
        {"exit_on_error", "true | false", d.exit_on_error ? "true" : "false",
         [](JobSpec& j, S v, W w) { j.args.exit_on_error = parse_bool(v, w); }},
        {"verify_disable", "true | false", d.verify_disable ? "true" : "false",
         [](JobSpec& j, S v, W w) { j.args.verify_disable = parse_bool(v, w); }},
        {"cpu_id", "CPU", "any", [](JobSpec& j, S v, W w) { j.args.cpu_id = as<unsigned>(v, w); }},
        {"output_percentile_latency", "PERCENT,...", percentiles,
         [](JobSpec& j, S v, W w) {
             j.percentiles.clear();
             for (auto part : split(v, ',')) {
                 const double p = parse_double(part, w);
                 if (p < 0 || p > 100)
                     throw UsageError(w + " '" + std::string(part) + "' is not a percentile 0..100");
                 j.percentiles.push_back(p);
             }
         }},
        {"output_percentile_latency_opcode", "OPCODE", "every opcode",
         [](JobSpec& j, S v, W w) { j.args.output_percentile_latency_opcode = parse_opcode(v, w); }},
        {"output_cmdlog_list", "RECORDS", "0 (none)",
         [](JobSpec& j, S v, W w) { j.cmdlog_size = bounded(v, w, 1'000'000); }},
        {"cmdlog_error_only", "true | false", d.cmdlog_error_only ? "true" : "false",
         [](JobSpec& j, S v, W w) { j.args.cmdlog_error_only = parse_bool(v, w); }},
        {"idle_spin_us", "MICROSECONDS (nvmetest's own; -1: never block)", "-1 at qdepth 1 or 2, else 10",
         [](JobSpec& j, S v, W w) { j.args.idle_spin_us = parse_signed(v, w); }},
        {"nsid", "NSID", std::to_string(JobSpec{}.nsid), [](JobSpec& j, S v, W w) {
             j.nsid = as<std::uint32_t>(v, w);
             if (j.nsid == 0)
                 throw UsageError(w + " 0 is not a namespace: namespaces count from 1");
         }},
    };
    return table;
}

const JobOption* find_job_option(std::string_view name)
{
    for (const auto& o : job_options())
        if (o.name == name)
            return &o;
    return nullptr;
}

// "--io-size=8" -> name "io_size", value "8" (inline) ; "--io-size" -> no value.
struct Split {
    std::string name;
    std::optional<std::string> value;
};

Split split_option(std::string_view arg)
{
    arg.remove_prefix(2);
    Split s;
    const auto eq = arg.find('=');
    if (eq != std::string_view::npos)
        s.value = std::string(arg.substr(eq + 1));
    s.name = std::string(arg.substr(0, eq));
    for (char& c : s.name)
        if (c == '-')
            c = '_';
    return s;
}

}  // namespace

bool parse_bool(std::string_view text, std::string_view what)
{
    if (text == "true" || text == "on" || text == "1" || text == "yes")
        return true;
    if (text == "false" || text == "off" || text == "0" || text == "no")
        return false;
    throw UsageError(std::string(what) + " '" + std::string(text) + "' is not true or false");
}

double parse_double(std::string_view text, std::string_view what)
{
    double v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(v))
        throw UsageError(std::string(what) + " '" + std::string(text) + "' is not a number");
    if (v < 0)
        throw UsageError(std::string(what) + " '" + std::string(text) + "' is negative");
    return v;
}

std::int64_t parse_signed(std::string_view text, std::string_view what)
{
    const bool negative = !text.empty() && text[0] == '-';
    const std::uint64_t magnitude = parse_number(negative ? text.substr(1) : text, what);
    if (magnitude > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        throw UsageError(std::string(what) + " '" + std::string(text) + "' does not fit in 64 bits");
    const auto v = static_cast<std::int64_t>(magnitude);
    return negative ? -v : v;
}

IoSize parse_io_size(std::string_view text)
{
    const std::string what = "--io_size";
    if (text.starts_with("range(") && text.ends_with(")")) {
        const auto bounds = split(text.substr(6, text.size() - 7), ',');
        if (bounds.size() != 2)
            throw UsageError(quoted("io_size", text) + ": write range(BEGIN,END)");
        const auto begin = as<std::uint32_t>(bounds[0], what);
        const auto end = as<std::uint32_t>(bounds[1], what);
        if (begin == 0 || end <= begin)
            throw UsageError(quoted("io_size", text) + ": a range needs 0 < BEGIN < END");
        return IoSize::range(begin, end);
    }
    std::map<std::uint32_t, std::uint32_t> weights;
    for (auto part : split(text, ',')) {
        const auto colon = part.find(':');
        const auto size = as<std::uint32_t>(part.substr(0, colon), what);
        const std::uint32_t weight =
            colon == std::string_view::npos ? 1 : as<std::uint32_t>(part.substr(colon + 1), what);
        if (!weights.emplace(size, weight).second)
            throw UsageError(quoted("io_size", text) + ": size " + std::to_string(size) +
                             " is given twice");
    }
    return IoSize(std::move(weights));
}

LbaRandom parse_lba_random(std::string_view text)
{
    if (text == "true" || text == "false")
        return LbaRandom(text == "true");
    return LbaRandom(static_cast<int>(bounded(text, "--lba_random", 100)));
}

LbaList parse_lba_list(std::string_view text, std::string_view what)
{
    std::vector<std::uint64_t> lbas;
    for (auto part : split(text, ','))
        lbas.push_back(parse_number(part, what));
    return LbaList(std::move(lbas));
}

std::uint8_t parse_opcode(std::string_view text, std::string_view what)
{
    for (const auto& [name, opcode] : kIoOpcodeNames)
        if (text == name)
            return opcode;
    if (!text.empty() && std::isalpha(static_cast<unsigned char>(text[0]))) {
        std::string names;
        for (const auto& n : kIoOpcodeNames)
            names += (names.empty() ? "" : ", ") + std::string(n.first);
        throw UsageError(std::string(what) + " '" + std::string(text) +
                         "' is not an opcode: give a number (2, 0x02) or one of " + names);
    }
    return as<std::uint8_t>(text, what);
}

std::map<std::uint8_t, double> parse_op_percentage(std::string_view text)
{
    const std::string what = "--op_percentage";
    std::map<std::uint8_t, double> ops;
    for (auto part : split(text, ',')) {
        const auto colon = part.find(':');
        if (colon == std::string_view::npos)
            throw UsageError(quoted("op_percentage", text) +
                             ": write OPCODE:PERCENT pairs, e.g. 2:70,1:30 or read:70,write:30");
        const auto opcode = parse_opcode(part.substr(0, colon), what);
        if (!ops.emplace(opcode, parse_double(part.substr(colon + 1), what)).second)
            throw UsageError(quoted("op_percentage", text) + ": opcode " + std::to_string(opcode) +
                             " is given twice");
    }
    return ops;
}

std::vector<IoSequenceEntry> parse_io_sequence(std::string_view text)
{
    const std::string what = "--io_sequence";
    std::vector<IoSequenceEntry> seq;
    for (auto part : split(text, ',')) {
        const auto fields = split(part, ':');
        if (fields.size() != 4)
            throw UsageError(quoted("io_sequence", text) + ": each command is SLBA:NLB:OPCODE:TIME_US");
        seq.push_back({.slba = parse_number(fields[0], what),
                       .nlb = as<std::uint32_t>(fields[1], what),
                       .opcode = parse_opcode(fields[2], what),
                       .time_sent_us = parse_number(fields[3], what)});
    }
    return seq;
}

ToolConfig parse(std::span<const std::string> argv, std::string_view env_pciaddr,
                 std::string_view env_dut)
{
    ToolConfig cfg;
    JobSpec defaults;
    JobSpec* current = &defaults;
    bool any_job = false;
    for (std::size_t i = 0; i < argv.size(); i++) {
        const std::string& arg = argv[i];
        if (!arg.starts_with("--") || arg.size() == 2)
            throw UsageError("unexpected argument '" + arg + "': every setting is an --option "
                             "(nvmetest-io --help lists them)");
        Split opt = split_option(arg);
        const std::string dashed = "--" + opt.name;
        if (opt.name == "help" || opt.name == "quiet") {
            if (opt.value)
                throw UsageError(dashed + " takes no value");
            (opt.name == "help" ? cfg.help : cfg.quiet) = true;
            continue;
        }
        if (opt.name == "stonewall") {
            if (opt.value)
                throw UsageError(dashed + " takes no value");
            if (!any_job)
                throw UsageError("--stonewall belongs to a job: give it after --job NAME");
            current->stonewall = true;
            continue;
        }
        static const std::vector<std::string_view> kToolOptions{
            "job",  "pciaddr",  "verify",  "json",         "html",
            "output_format", "seed", "progress", "cmdlog_order"};
        if (std::find(kToolOptions.begin(), kToolOptions.end(), opt.name) == kToolOptions.end() &&
            !find_job_option(opt.name))
            throw UsageError("unknown option " + dashed + " (nvmetest-io --help lists them)");
        if (!opt.value) {
            if (i + 1 >= argv.size())
                throw UsageError(dashed + " needs a value");
            opt.value = argv[++i];
        }
        const std::string& v = *opt.value;
        if (opt.name == "job") {
            if (v.empty() || v.starts_with("-"))
                throw UsageError("--job needs a name, got '" + v + "'");
            for (const auto& j : cfg.jobs)
                if (j.name == v)
                    throw UsageError("two jobs are named '" + v + "'");
            cfg.jobs.push_back(defaults);
            cfg.jobs.back().name = v;
            current = &cfg.jobs.back();
            any_job = true;
        } else if (opt.name == "pciaddr") {
            cfg.pciaddr = v;
        } else if (opt.name == "verify") {
            cfg.verify = parse_bool(v, dashed);
        } else if (opt.name == "json") {
            cfg.json_path = v;
        } else if (opt.name == "html") {
            cfg.html_path = v;
        } else if (opt.name == "output_format") {
            if (v != "normal" && v != "json")
                throw UsageError("--output-format '" + v + "': normal or json");
            cfg.format = v == "json" ? OutputFormat::kJson : OutputFormat::kNormal;
        } else if (opt.name == "progress") {
            if (v != "auto" && v != "always" && v != "never")
                throw UsageError("--progress '" + v + "': auto, always or never");
            cfg.progress = v == "always" ? ProgressMode::kAlways
                           : v == "never" ? ProgressMode::kNever
                                          : ProgressMode::kAuto;
        } else if (opt.name == "cmdlog_order") {
            if (v != "completion" && v != "submission")
                throw UsageError("--cmdlog-order '" + v + "': completion or submission");
            cfg.cmdlog_in_submission_order = v == "submission";
        } else if (opt.name == "seed") {
            cfg.seed = parse_number(v, dashed);
            cfg.seed_given = true;
        } else if (const JobOption* jo = find_job_option(opt.name)) {
            if (v.empty())
                throw UsageError(dashed + " needs a value: " + std::string(jo->syntax));
            jo->set(*current, v, dashed);
        } else {
            throw UsageError("unknown option " + dashed + " (nvmetest-io --help lists them)");
        }
    }
    if (cfg.help)
        return cfg;
    if (cfg.quiet && cfg.progress == ProgressMode::kAlways)
        throw UsageError("--quiet contradicts --progress always");
    if (cfg.quiet)
        cfg.progress = ProgressMode::kNever;
    if (cfg.jobs.empty())
        cfg.jobs.push_back(defaults);
    if (cfg.pciaddr.empty())
        cfg.pciaddr = !env_pciaddr.empty() ? env_pciaddr : env_dut;
    if (cfg.pciaddr.empty())
        throw UsageError("no device: pass --pciaddr 0000:01:00.0, or set NVMETEST_PCIADDR "
                         "(tests/vm/nvmetest-vm sets NVMETEST_DUT)");
    // Whatever the library can refuse without the device fails here, before
    // the device is opened (exit 2, not a failure to open it).
    for (const auto& j : cfg.jobs) {
        try {
            check_ioworker_args(j.args);
        } catch (const UsageError& e) {
            throw UsageError("job '" + j.name + "': " + e.what());
        }
    }
    return cfg;
}

std::string usage()
{
    std::string u =
        "usage: nvmetest-io [--pciaddr BDF] [tool options] [job options]\n"
        "                   [--job NAME [--stonewall] [job options]]...\n"
        "\n"
        "Runs IOWorkers (PyNVMe3's IO models) on an NVMe device bound to nvmetest: one\n"
        "per job, concurrently; a job with --stonewall starts when the earlier ones\n"
        "have ended.\n"
        "Job options before the first --job are defaults of every job.\n"
        "\n"
        "tool options:\n"
        "  --pciaddr BDF           the device (default $NVMETEST_PCIADDR, $NVMETEST_DUT)\n"
        "  --verify on|off         data verification of the namespaces (default on)\n"
        "  --json FILE             every result field of every job as JSON\n"
        "  --output-format F       normal (default) or json (the JSON on stdout)\n"
        "  --html FILE             a self-contained HTML report (IOPS, latency curve)\n"
        "  --progress auto|always|never\n"
        "                          the live line (IOPS, MB/s, latency, elapsed and\n"
        "                          remaining time, per second, all jobs): auto (default)\n"
        "                          on a terminal only, rewritten in place; always: off a\n"
        "                          terminal too, one plain line per second\n"
        "  --quiet                 --progress never\n"
        "  --seed N                random seed of the workloads (default: chosen, printed)\n"
        "  --cmdlog-order completion|submission\n"
        "                          order of output_cmdlog_list's records: completion\n"
        "                          (default, as PyNVMe3 keeps them) or submission\n"
        "  --help                  this text\n"
        "\n"
        "job options (IOWorker parameters, same names, units and defaults as PyNVMe3):\n";
    for (const auto& o : job_options())
        u += "  --" + std::string(o.name) + " " + std::string(o.syntax) + "\n" +
             "        default: " + o.def + "\n";
    u += "  --stonewall             (after --job) wait for the earlier jobs to end\n"
         "\n"
         "'-' and '_' are the same in option names; --opt=value equals --opt value.\n"
         "Exit status: 0 success, 1 device or setup failure, 2 bad command line,\n"
         "3 a job ended with an error.  See nvmetest-io(1).\n";
    return u;
}

}  // namespace nvmetest::io
