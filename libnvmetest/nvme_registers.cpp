// SPDX-License-Identifier: BSD-3-Clause
#include "nvmetest/nvme/registers.h"

#include <array>
#include <cctype>
#include <cstdio>

namespace nvmetest::nvme {
namespace {

constexpr FieldDesc kCapFields[] = {
    {"MQES", 0, 16, "Maximum Queue Entries Supported (0's based)"},
    {"CQR", 16, 1, "Contiguous Queues Required"},
    {"AMS", 17, 2, "Arbitration Mechanism Supported"},
    {"TO", 24, 8, "Timeout (500 ms units)"},
    {"DSTRD", 32, 4, "Doorbell Stride"},
    {"NSSRS", 36, 1, "NVM Subsystem Reset Supported"},
    {"CSS", 37, 8, "Command Sets Supported"},
    {"BPS", 45, 1, "Boot Partition Support"},
    {"CPS", 46, 2, "Controller Power Scope"},
    {"MPSMIN", 48, 4, "Memory Page Size Minimum"},
    {"MPSMAX", 52, 4, "Memory Page Size Maximum"},
    {"PMRS", 56, 1, "Persistent Memory Region Supported"},
    {"CMBS", 57, 1, "Controller Memory Buffer Supported"},
    {"NSSS", 58, 1, "NVM Subsystem Shutdown Supported"},
    {"CRMS", 59, 2, "Controller Ready Modes Supported"},
};
constexpr FieldDesc kVsFields[] = {
    {"MJR", 16, 16, "Major Version Number"},
    {"MNR", 8, 8, "Minor Version Number"},
    {"TER", 0, 8, "Tertiary Version Number"},
};
constexpr FieldDesc kIntmFields[] = {
    {"IVMS", 0, 32, "Interrupt Vector Mask Set/Clear"},
};
constexpr FieldDesc kCcFields[] = {
    {"EN", 0, 1, "Enable"},
    {"CSS", 4, 3, "I/O Command Set Selected"},
    {"MPS", 7, 4, "Memory Page Size"},
    {"AMS", 11, 3, "Arbitration Mechanism Selected"},
    {"SHN", 14, 2, "Shutdown Notification"},
    {"IOSQES", 16, 4, "I/O Submission Queue Entry Size"},
    {"IOCQES", 20, 4, "I/O Completion Queue Entry Size"},
    {"CRIME", 24, 1, "Controller Ready Independent of Media Enable"},
};
constexpr FieldDesc kCstsFields[] = {
    {"RDY", 0, 1, "Ready"},
    {"CFS", 1, 1, "Controller Fatal Status"},
    {"SHST", 2, 2, "Shutdown Status"},
    {"NSSRO", 4, 1, "NVM Subsystem Reset Occurred"},
    {"PP", 5, 1, "Processing Paused"},
    {"ST", 6, 1, "Shutdown Type"},
};
constexpr FieldDesc kNssrFields[] = {
    {"NSSRC", 0, 32, "NVM Subsystem Reset Control"},
};
constexpr FieldDesc kAqaFields[] = {
    {"ASQS", 0, 12, "Admin Submission Queue Size (0's based)"},
    {"ACQS", 16, 12, "Admin Completion Queue Size (0's based)"},
};
constexpr FieldDesc kAsqFields[] = {
    {"ASQB", 12, 52, "Admin Submission Queue Base (4 KiB units)"},
};
constexpr FieldDesc kAcqFields[] = {
    {"ACQB", 12, 52, "Admin Completion Queue Base (4 KiB units)"},
};
constexpr FieldDesc kCmblocFields[] = {
    {"BIR", 0, 3, "Base Indicator Register"},
    {"CQMMS", 3, 1, "CMB Queue Mixed Memory Support"},
    {"CQPDS", 4, 1, "CMB Queue Physically Discontiguous Support"},
    {"CDPMLS", 5, 1, "CMB Data Pointer Mixed Locations Support"},
    {"CDPCILS", 6, 1, "CMB Data Pointer and Command Independent Locations Support"},
    {"CDMMMS", 7, 1, "CMB Data Metadata Mixed Memory Support"},
    {"CQDA", 8, 1, "CMB Queue Dword Alignment"},
    {"OFST", 12, 20, "Offset (CMBSZ.SZU units)"},
};
constexpr FieldDesc kCmbszFields[] = {
    {"SQS", 0, 1, "Submission Queue Support"},
    {"CQS", 1, 1, "Completion Queue Support"},
    {"LISTS", 2, 1, "PRP SGL List Support"},
    {"RDS", 3, 1, "Read Data Support"},
    {"WDS", 4, 1, "Write Data Support"},
    {"SZU", 8, 4, "Size Units"},
    {"SZ", 12, 20, "Size (SZU units)"},
};
constexpr FieldDesc kBpinfoFields[] = {
    {"BPSZ", 0, 15, "Boot Partition Size (128 KiB units)"},
    {"BRS", 24, 2, "Boot Read Status"},
    {"ABPID", 31, 1, "Active Boot Partition ID"},
};
constexpr FieldDesc kBprselFields[] = {
    {"BPRSZ", 0, 10, "Boot Partition Read Size (4 KiB units)"},
    {"BPROF", 10, 20, "Boot Partition Read Offset (4 KiB units)"},
    {"BPID", 31, 1, "Boot Partition Identifier"},
};
constexpr FieldDesc kBpmblFields[] = {
    {"BMBBA", 12, 52, "Boot Partition Memory Buffer Base Address"},
};
constexpr FieldDesc kCmbmscFields[] = {
    {"CRE", 0, 1, "Capabilities Registers Enabled"},
    {"CMSE", 1, 1, "Controller Memory Space Enable"},
    {"CBA", 12, 52, "Controller Base Address"},
};
constexpr FieldDesc kCmbstsFields[] = {
    {"CBAI", 0, 1, "Controller Base Address Invalid"},
};
constexpr FieldDesc kCmbebsFields[] = {
    {"CMBSZU", 0, 4, "CMB Elasticity Buffer Size Units"},
    {"RBB", 4, 1, "Read Bypass Behavior"},
    {"CMBWBZ", 8, 24, "CMB Elasticity Buffer Size Base"},
};
constexpr FieldDesc kCmbswtpFields[] = {
    {"CMBSWTU", 0, 4, "CMB Sustained Write Throughput Units"},
    {"CMBSWTV", 8, 24, "CMB Sustained Write Throughput"},
};
constexpr FieldDesc kNssdFields[] = {
    {"NSSC", 0, 32, "NVM Subsystem Shutdown Control"},
};
constexpr FieldDesc kCrtoFields[] = {
    {"CRWMT", 0, 16, "Controller Ready With Media Timeout (500 ms units)"},
    {"CRIMT", 16, 16, "Controller Ready Independent of Media Timeout (500 ms units)"},
};
constexpr FieldDesc kPmrcapFields[] = {
    {"RDS", 3, 1, "Read Data Support"},
    {"WDS", 4, 1, "Write Data Support"},
    {"BIR", 5, 3, "Base Indicator Register"},
    {"PMRTU", 8, 2, "PMR Time Units"},
    {"PMRWBM", 10, 4, "PMR Write Barrier Mechanisms"},
    {"PMRTO", 16, 8, "PMR Timeout"},
    {"CMSS", 24, 1, "Controller Memory Space Supported"},
};
constexpr FieldDesc kPmrctlFields[] = {
    {"EN", 0, 1, "Enable"},
};
constexpr FieldDesc kPmrstsFields[] = {
    {"ERR", 0, 8, "Error"},
    {"NRDY", 8, 1, "Not Ready"},
    {"HSTS", 9, 3, "Health Status"},
    {"CBAI", 12, 1, "Controller Base Address Invalid"},
};
constexpr FieldDesc kPmrebsFields[] = {
    {"PMRSZU", 0, 4, "PMR Elasticity Buffer Size Units"},
    {"RBB", 4, 1, "Read Bypass Behavior"},
    {"PMRWBZ", 8, 24, "PMR Elasticity Buffer Size Base"},
};
constexpr FieldDesc kPmrswtpFields[] = {
    {"PMRSWTU", 0, 4, "PMR Sustained Write Throughput Units"},
    {"PMRSWTV", 8, 24, "PMR Sustained Write Throughput"},
};
constexpr FieldDesc kPmrmsclFields[] = {
    {"CMSE", 1, 1, "Controller Memory Space Enable"},
    {"CBA", 12, 20, "Controller Base Address (low)"},
};
constexpr FieldDesc kPmrmscuFields[] = {
    {"CBA", 0, 32, "Controller Base Address (high)"},
};

constexpr RegisterDesc kRegisters[] = {
    {"CAP", reg::kCap, 8, "Controller Capabilities", kCapFields},
    {"VS", reg::kVs, 4, "Version", kVsFields},
    {"INTMS", reg::kIntms, 4, "Interrupt Mask Set", kIntmFields},
    {"INTMC", reg::kIntmc, 4, "Interrupt Mask Clear", kIntmFields},
    {"CC", reg::kCc, 4, "Controller Configuration", kCcFields},
    {"CSTS", reg::kCsts, 4, "Controller Status", kCstsFields},
    {"NSSR", reg::kNssr, 4, "NVM Subsystem Reset", kNssrFields},
    {"AQA", reg::kAqa, 4, "Admin Queue Attributes", kAqaFields},
    {"ASQ", reg::kAsq, 8, "Admin Submission Queue Base Address", kAsqFields},
    {"ACQ", reg::kAcq, 8, "Admin Completion Queue Base Address", kAcqFields},
    {"CMBLOC", reg::kCmbloc, 4, "Controller Memory Buffer Location", kCmblocFields},
    {"CMBSZ", reg::kCmbsz, 4, "Controller Memory Buffer Size", kCmbszFields},
    {"BPINFO", reg::kBpinfo, 4, "Boot Partition Information", kBpinfoFields},
    {"BPRSEL", reg::kBprsel, 4, "Boot Partition Read Select", kBprselFields},
    {"BPMBL", reg::kBpmbl, 8, "Boot Partition Memory Buffer Location", kBpmblFields},
    {"CMBMSC", reg::kCmbmsc, 8, "Controller Memory Buffer Memory Space Control", kCmbmscFields},
    {"CMBSTS", reg::kCmbsts, 4, "Controller Memory Buffer Status", kCmbstsFields},
    {"CMBEBS", reg::kCmbebs, 4, "Controller Memory Buffer Elasticity Buffer Size", kCmbebsFields},
    {"CMBSWTP", reg::kCmbswtp, 4, "Controller Memory Buffer Sustained Write Throughput",
     kCmbswtpFields},
    {"NSSD", reg::kNssd, 4, "NVM Subsystem Shutdown", kNssdFields},
    {"CRTO", reg::kCrto, 4, "Controller Ready Timeouts", kCrtoFields},
    {"PMRCAP", reg::kPmrcap, 4, "Persistent Memory Region Capabilities", kPmrcapFields},
    {"PMRCTL", reg::kPmrctl, 4, "Persistent Memory Region Control", kPmrctlFields},
    {"PMRSTS", reg::kPmrsts, 4, "Persistent Memory Region Status", kPmrstsFields},
    {"PMREBS", reg::kPmrebs, 4, "Persistent Memory Region Elasticity Buffer Size", kPmrebsFields},
    {"PMRSWTP", reg::kPmrswtp, 4, "Persistent Memory Region Sustained Write Throughput",
     kPmrswtpFields},
    {"PMRMSCL", reg::kPmrmscl, 4, "PMR Controller Memory Space Control Lower", kPmrmsclFields},
    {"PMRMSCU", reg::kPmrmscu, 4, "PMR Controller Memory Space Control Upper", kPmrmscuFields},
};

bool iequal(std::string_view a, std::string_view b)
{
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::toupper(static_cast<unsigned char>(a[i])) !=
            std::toupper(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

std::string bytes_text(std::uint64_t n)
{
    if (n >= (1ull << 30) && n % (1ull << 30) == 0)
        return std::to_string(n >> 30) + " GiB";
    if (n >= (1ull << 20) && n % (1ull << 20) == 0)
        return std::to_string(n >> 20) + " MiB";
    if (n >= 1024 && n % 1024 == 0)
        return std::to_string(n >> 10) + " KiB";
    return std::to_string(n) + " bytes";
}

std::string yes_no(std::uint64_t v) { return v ? "yes" : "no"; }

std::string size_unit(std::uint64_t szu)
{
    static constexpr const char* k[] = {"4 KiB", "64 KiB", "1 MiB", "16 MiB", "256 MiB", "4 GiB",
                                        "64 GiB"};
    return szu < 7 ? k[szu] : "reserved";
}

// The meaning of one field value, where a number alone says little.
std::string meaning(std::string_view r, std::string_view f, std::uint64_t v, std::uint64_t whole)
{
    if (r == "CAP") {
        if (f == "MQES") return std::to_string(v + 1) + " entries";
        if (f == "TO") return std::to_string(v * 500) + " ms";
        if (f == "DSTRD") return std::to_string(4u << v) + "-byte doorbell stride";
        if (f == "MPSMIN" || f == "MPSMAX") return bytes_text(4096ull << v);
        if (f == "CQR" || f == "NSSRS" || f == "BPS" || f == "PMRS" || f == "CMBS" || f == "NSSS")
            return yes_no(v);
        if (f == "AMS") {
            std::string s = "round robin";
            if (v & 1) s += ", weighted round robin with urgent";
            if (v & 2) s += ", vendor specific";
            return s;
        }
        if (f == "CSS") {
            std::string s;
            if (v & 1) s += "NVM";
            if (v & (1u << 6)) s += s.empty() ? "I/O command sets" : ", I/O command sets";
            if (v & (1u << 7)) s += s.empty() ? "admin only" : ", admin only";
            return s.empty() ? "none" : s;
        }
        if (f == "CPS") {
            static constexpr const char* k[] = {"not reported", "controller", "domain",
                                                "NVM subsystem"};
            return k[v & 3];
        }
        if (f == "CRMS") {
            std::string s;
            if (v & 1) s += "with media";
            if (v & 2) s += s.empty() ? "independent of media" : ", independent of media";
            return s.empty() ? "not reported" : s;
        }
    }
    if (r == "VS" && f == "MJR") return vs::to_string(static_cast<std::uint32_t>(whole));
    if (r == "CC") {
        if (f == "EN" || f == "CRIME") return yes_no(v);
        if (f == "MPS") return bytes_text(4096ull << v);
        if (f == "IOSQES" || f == "IOCQES") return v ? bytes_text(1ull << v) : "not set";
        if (f == "CSS") {
            switch (v) {
            case 0: return "NVM command set";
            case 6: return "all supported I/O command sets";
            case 7: return "admin command set only";
            default: return "reserved";
            }
        }
        if (f == "AMS") {
            switch (v) {
            case 0: return "round robin";
            case 1: return "weighted round robin with urgent";
            case 7: return "vendor specific";
            default: return "reserved";
            }
        }
        if (f == "SHN") {
            static constexpr const char* k[] = {"no notification", "normal shutdown",
                                                "abrupt shutdown", "reserved"};
            return k[v & 3];
        }
    }
    if (r == "CSTS") {
        if (f == "SHST") {
            static constexpr const char* k[] = {"normal operation", "shutdown processing",
                                                "shutdown complete", "reserved"};
            return k[v & 3];
        }
        if (f == "ST") return v ? "NVM subsystem shutdown" : "controller shutdown";
        return yes_no(v);
    }
    if (r == "AQA") return std::to_string(v + 1) + " entries";
    if ((r == "ASQ" || r == "ACQ" || r == "BPMBL") && f.size() > 1) {
        char buf[32];
        std::snprintf(buf, sizeof(buf), "0x%llx", static_cast<unsigned long long>(v << 12));
        return buf;
    }
    if (r == "CMBSZ") {
        if (f == "SZU") return size_unit(v);
        if (f == "SZ") {
            const std::uint64_t szu = bits(whole, 8, 4);
            if (szu < 7)
                return bytes_text(v * (4096ull << (4 * szu)));
            return {};
        }
        return yes_no(v);
    }
    if (r == "CMBLOC" && f == "BIR") return "BAR" + std::to_string(v);
    if (r == "PMRCAP") {
        if (f == "BIR") return "BAR" + std::to_string(v);
        if (f == "PMRTU") return v == 0 ? "500 ms" : v == 1 ? "minutes" : "reserved";
        if (f == "RDS" || f == "WDS" || f == "CMSS") return yes_no(v);
    }
    if (r == "CRTO") return std::to_string(v * 500) + " ms";
    if (r == "BPINFO" && f == "BPSZ") return bytes_text(v * 128 * 1024);
    if (r == "NSSR" && v == reg::kNssrReset) return "\"NVMe\": reset";
    return {};
}

}  // namespace

std::string vs::to_string(std::uint32_t v)
{
    return std::to_string(mjr(v)) + "." + std::to_string(mnr(v)) + "." + std::to_string(ter(v));
}

std::span<const RegisterDesc> registers() noexcept { return kRegisters; }

const RegisterDesc* find_register(std::string_view name) noexcept
{
    for (const auto& r : kRegisters)
        if (iequal(r.name, name))
            return &r;
    return nullptr;
}

std::vector<DecodedField> decode(const RegisterDesc& reg, std::uint64_t value)
{
    std::vector<DecodedField> out;
    out.reserve(reg.fields.size());
    for (const auto& f : reg.fields) {
        const std::uint64_t v = bits(value, f.lsb, f.width);
        out.push_back({&f, v, meaning(reg.name, f.name, v, value)});
    }
    return out;
}

std::string format_register(const RegisterDesc& reg, std::uint64_t value)
{
    char buf[160];
    if (reg.width == 8)
        std::snprintf(buf, sizeof(buf), "%-8s 0x%03x  0x%016llx  %s\n",
                      std::string(reg.name).c_str(), reg.offset,
                      static_cast<unsigned long long>(value), std::string(reg.description).c_str());
    else
        std::snprintf(buf, sizeof(buf), "%-8s 0x%03x  0x%08llx          %s\n",
                      std::string(reg.name).c_str(), reg.offset,
                      static_cast<unsigned long long>(value), std::string(reg.description).c_str());
    std::string s = buf;
    for (const auto& d : decode(reg, value)) {
        const std::string range = d.field->width == 1
                                      ? std::to_string(d.field->lsb)
                                      : std::to_string(d.field->lsb + d.field->width - 1) + ":" +
                                            std::to_string(d.field->lsb);
        std::snprintf(buf, sizeof(buf), "    %-8s %-6s 0x%-10llx %s%s%s\n",
                      std::string(d.field->name).c_str(), range.c_str(),
                      static_cast<unsigned long long>(d.value),
                      std::string(d.field->description).c_str(), d.meaning.empty() ? "" : ": ",
                      d.meaning.c_str());
        s += buf;
    }
    return s;
}

}  // namespace nvmetest::nvme
