// SPDX-License-Identifier: BSD-3-Clause
#include "nvmetest/pci_sysfs.h"

#include <fcntl.h>
#include <linux/nvmetest.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>


namespace fs = std::filesystem;

namespace nvmetest {
namespace {

std::string read_text(const fs::path& p)
{
    std::ifstream in(p);
    if (!in)
        return {};
    std::ostringstream ss;
    ss << in.rdbuf();
    std::string s = ss.str();
    while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
        s.pop_back();
    return s;
}

std::uint32_t read_hex(const fs::path& p)
{
    const std::string s = read_text(p);
    if (s.empty())
        return 0;
    try {
        return static_cast<std::uint32_t>(std::stoul(s, nullptr, 16));
    } catch (const std::exception&) {
        return 0;
    }
}

// Basename of a symlink target ("../../bus/pci/drivers/nvme" -> "nvme").
std::string link_name(const fs::path& p)
{
    std::error_code ec;
    const fs::path t = fs::read_symlink(p, ec);
    return ec ? std::string() : t.filename().string();
}

bool path_exists(const fs::path& p)
{
    std::error_code ec;
    return fs::exists(p, ec);
}

std::vector<std::string> dir_names(const fs::path& p)
{
    std::vector<std::string> out;
    std::error_code ec;
    for (fs::directory_iterator it(p, ec), end; !ec && it != end; it.increment(ec))
        out.push_back(it->path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

std::string unescape_mount(std::string_view s)
{
    // mountinfo escapes space, tab, newline and backslash as \ooo.
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 3 < s.size() &&
            std::isdigit(static_cast<unsigned char>(s[i + 1]))) {
            out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
            i += 3;
        } else {
            out += s[i];
        }
    }
    return out;
}

}  // namespace

BindRefusedError::BindRefusedError(const Bdf& bdf, std::vector<BlockDeviceUse> users)
    : Error([&] {
          std::string s = "refusing to take " + bdf.to_string() +
                          " from its driver: its block devices are in use (";
          bool first = true;
          for (const auto& u : users) {
              for (const auto& r : u.reasons) {
                  s += (first ? "" : "; ") + u.name + " " + r;
                  first = false;
              }
          }
          return s + "): unmount them, swapoff, stop what holds or opens them, then retry";
      }()),
      users_(std::move(users))
{
}

std::vector<std::pair<std::string, std::string>> parse_mountinfo(std::string_view text)
{
    std::vector<std::pair<std::string, std::string>> out;
    std::istringstream in{std::string(text)};
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream ls(line);
        std::string id, parent, majmin, root, mount_point;
        if (ls >> id >> parent >> majmin >> root >> mount_point)
            out.emplace_back(majmin, unescape_mount(mount_point));
    }
    return out;
}

std::vector<std::string> parse_swaps(std::string_view text)
{
    std::vector<std::string> out;
    std::istringstream in{std::string(text)};
    std::string line;
    bool header = true;
    while (std::getline(in, line)) {
        if (header) {  // "Filename Type Size Used Priority"
            header = false;
            if (line.rfind("Filename", 0) == 0)
                continue;
        }
        std::istringstream ls(line);
        std::string name;
        if (ls >> name)
            out.push_back(unescape_mount(name));
    }
    return out;
}

PciSysfs::PciSysfs(SysfsRoots roots) : roots_(std::move(roots)) {}

std::string PciSysfs::device_dir(const Bdf& bdf) const
{
    return roots_.sys + "/bus/pci/devices/" + bdf.to_string();
}

bool PciSysfs::module_loaded() const
{
    return path_exists(roots_.sys + "/bus/pci/drivers/" NVMETEST_NAME);
}

std::optional<PciFunction> PciSysfs::function(const Bdf& bdf) const
{
    const fs::path d = device_dir(bdf);
    if (!path_exists(d))
        return std::nullopt;
    PciFunction f;
    f.bdf = bdf;
    f.vendor_id = static_cast<std::uint16_t>(read_hex(d / "vendor"));
    f.device_id = static_cast<std::uint16_t>(read_hex(d / "device"));
    f.class_code = read_hex(d / "class");
    f.driver = link_name(d / "driver");
    f.driver_override = read_text(d / "driver_override");
    if (f.driver_override == "(null)")
        f.driver_override.clear();
    const std::string node = roots_.dev + "/" NVMETEST_NAME "/" + bdf.to_string();
    if (path_exists(node))
        f.node = node;
    return f;
}

std::vector<PciFunction> PciSysfs::functions() const
{
    std::vector<PciFunction> out;
    for (const auto& name : dir_names(roots_.sys + "/bus/pci/devices"))
        if (auto b = Bdf::parse(name))
            if (auto f = function(*b))
                out.push_back(std::move(*f));
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.bdf < b.bdf; });
    return out;
}

std::vector<PciFunction> PciSysfs::bound() const
{
    std::vector<PciFunction> out;
    for (const auto& name : dir_names(roots_.sys + "/bus/pci/drivers/" NVMETEST_NAME))
        if (auto b = Bdf::parse(name))
            if (auto f = function(*b))
                out.push_back(std::move(*f));
    return out;
}

std::vector<std::string> PciSysfs::block_devices(const Bdf& bdf) const
{
    static const std::regex ctrl_re("nvme[0-9]+");
    static const std::regex ns_re("nvme[0-9]+n[0-9]+");
    static const std::regex path_re("nvme([0-9]+)c[0-9]+n([0-9]+)");
    std::vector<std::string> out;
    auto add_with_partitions = [&](const fs::path& disk_dir, const std::string& name) {
        out.push_back(name);
        for (const auto& child : dir_names(disk_dir))
            if (child.rfind(name, 0) == 0 && path_exists(disk_dir / child / "partition"))
                out.push_back(child);
    };
    const fs::path nvme_dir = fs::path(device_dir(bdf)) / "nvme";
    for (const auto& ctrl : dir_names(nvme_dir)) {
        if (!std::regex_match(ctrl, ctrl_re))
            continue;
        for (const auto& ns : dir_names(nvme_dir / ctrl)) {
            std::smatch m;
            if (std::regex_match(ns, ns_re)) {
                add_with_partitions(nvme_dir / ctrl / ns, ns);
            } else if (std::regex_match(ns, m, path_re)) {
                // A native multipath path: the usable disk is the subsystem's head.
                const std::string head = "nvme" + m[1].str() + "n" + m[2].str();
                const fs::path head_dir = roots_.sys + "/block/" + head;
                if (path_exists(head_dir) && std::find(out.begin(), out.end(), head) == out.end())
                    add_with_partitions(head_dir, head);
            }
        }
    }
    return out;
}

std::vector<BlockDeviceUse> PciSysfs::busy_block_devices(const Bdf& bdf) const
{
    const auto disks = block_devices(bdf);
    if (disks.empty())
        return {};
    const auto mounts = parse_mountinfo(read_text(roots_.proc + "/self/mountinfo"));
    const auto swaps = parse_swaps(read_text(roots_.proc + "/swaps"));

    std::vector<BlockDeviceUse> out;
    for (const auto& name : disks) {
        BlockDeviceUse use{name, {}};
        const fs::path cls = roots_.sys + "/class/block/" + name;
        const std::string majmin = read_text(cls / "dev");
        if (!majmin.empty())
            for (const auto& [mm, where] : mounts)
                if (mm == majmin)
                    use.reasons.push_back("is mounted on " + where);
        const std::string devnode = roots_.dev + "/" + name;
        for (const auto& s : swaps)
            if (s == "/dev/" + name || s == devnode)
                use.reasons.push_back("is used as swap");
        for (const auto& h : dir_names(cls / "holders"))
            use.reasons.push_back("is held by " + h);
        // Last: an exclusive open fails while anything else has it open exclusively
        // (a mount, md, dm, or a program using O_EXCL).
        if (use.reasons.empty() && path_exists(devnode)) {
            const int fd = ::open(devnode.c_str(), O_RDONLY | O_EXCL | O_CLOEXEC | O_NONBLOCK);
            if (fd >= 0)
                ::close(fd);
            else if (errno == EBUSY)
                use.reasons.push_back("is open by another program (exclusive open fails)");
        }
        if (!use.reasons.empty())
            out.push_back(std::move(use));
    }
    return out;
}

void PciSysfs::write_attr(const std::string& path, std::string_view value, const Bdf& bdf) const
{
    const int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0)
        throw_system_error(errno, Op::Sysfs, "open " + path, {bdf.to_string(), path});
    ssize_t r;
    do {
        r = ::write(fd, value.data(), value.size());
    } while (r < 0 && errno == EINTR);
    const int err = errno;
    ::close(fd);
    if (r < 0)
        throw_system_error(err, Op::Sysfs, "writing '" + std::string(value) + "' to " + path,
                           {bdf.to_string(), path});
}

BindResult PciSysfs::bind(const Bdf& bdf, std::chrono::milliseconds node_timeout, bool force)
{
    const std::string name = bdf.to_string();
    auto f = function(bdf);
    if (!f)
        throw UsageError("there is no PCI function " + name + ": check the address with lspci -D");
    if (!module_loaded())
        throw Error("nvmetest.ko is not loaded: load it (modprobe nvmetest, or insmod "
                    "kmod/nvmetest.ko) and bind again");

    BindResult res;
    res.previous_driver = f->driver;
    res.node = roots_.dev + "/" NVMETEST_NAME "/" + name;
    if (f->driver == NVMETEST_NAME) {
        res.already_bound = true;
    } else {
        if (!f->driver.empty() && !force)
            if (auto busy = busy_block_devices(bdf); !busy.empty())
                throw BindRefusedError(bdf, std::move(busy));
        const std::string dir = device_dir(bdf);
        write_attr(dir + "/driver_override", NVMETEST_NAME, bdf);
        if (!f->driver.empty())
            write_attr(dir + "/driver/unbind", name, bdf);
        try {
            write_attr(roots_.sys + "/bus/pci/drivers_probe", name, bdf);
        } catch (const SystemError&) {
            // Some kernels refuse drivers_probe for an already-probed device; bind directly.
            write_attr(roots_.sys + "/bus/pci/drivers/" NVMETEST_NAME "/bind", name, bdf);
        }
        f = function(bdf);
        if (!f || f->driver != NVMETEST_NAME)
            throw Error("nvmetest did not take " + name + " (now bound to '" +
                        (f ? f->driver : std::string("nothing")) +
                        "'): the kernel log (dmesg) says why its probe failed");
    }
    const auto deadline = std::chrono::steady_clock::now() + node_timeout;
    while (!(res.node_ready = path_exists(res.node)) && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return res;
}

std::string PciSysfs::unbind(const Bdf& bdf)
{
    const std::string name = bdf.to_string();
    auto f = function(bdf);
    if (!f)
        throw UsageError("there is no PCI function " + name + ": check the address with lspci -D");
    const std::string dir = device_dir(bdf);
    // An empty line clears driver_override.
    write_attr(dir + "/driver_override", "\n", bdf);
    if (f->driver == NVMETEST_NAME)
        write_attr(roots_.sys + "/bus/pci/drivers/" NVMETEST_NAME "/unbind", name, bdf);
    if (f->driver.empty() || f->driver == NVMETEST_NAME) {
        try {
            write_attr(roots_.sys + "/bus/pci/drivers_probe", name, bdf);
        } catch (const SystemError&) {
            // No driver wants it (nvme not loaded): leaving it unbound is the answer.
        }
    }
    f = function(bdf);
    return f ? f->driver : std::string();
}

}  // namespace nvmetest
