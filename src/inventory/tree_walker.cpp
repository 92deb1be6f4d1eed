#include "inventory/tree_walker.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string_view>
#include <utility>

#include "inventory/signature_check.hpp"

namespace signet::inventory {
namespace {

constexpr int kDirFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK;

struct Entry {
  std::string name;
  struct stat st {};
  int stat_errno = 0;
};

struct Frame {
  std::shared_ptr<Directory> dir;
  std::vector<Entry> entries;  // sorted by name
  std::size_t next = 0;
  std::size_t path_length = 0;  // of the directory's own path in the shared path buffer
  dev_t dev = 0;
};

std::string errno_text(int err) { return std::strerror(err); }

// Reads all names of the directory (getdents64 on the descriptor) and lstats each relative to it.
Result<std::vector<Entry>> list_directory(int fd) {
  std::vector<Entry> entries;
  alignas(8) static thread_local std::array<char, 64 * 1024> buffer;
  for (;;) {
    const ssize_t n = ::getdents64(fd, buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(Errc::kIo, "cannot list directory: " + errno_text(errno));
    }
    if (n == 0) break;
    for (ssize_t offset = 0; offset < n;) {
      const auto* d = reinterpret_cast<const struct dirent64*>(buffer.data() + offset);
      offset += d->d_reclen;
      const std::string_view name(d->d_name);
      if (name == "." || name == "..") continue;
      entries.push_back({std::string(name), {}, 0});
    }
  }
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.name < b.name; });
  for (auto& e : entries) {
    if (::fstatat(fd, e.name.c_str(), &e.st, AT_SYMLINK_NOFOLLOW) != 0) e.stat_errno = errno;
  }
  return entries;
}

const Entry* find_entry(const std::vector<Entry>& entries, const std::string& name) {
  const auto it = std::lower_bound(entries.begin(), entries.end(), name,
                                   [](const Entry& e, const std::string& n) { return e.name < n; });
  return it != entries.end() && it->name == name ? &*it : nullptr;
}

void attach_sidecar(WalkedFile& file, const std::vector<Entry>& entries) {
  for (const auto suffix : kSidecarSuffixes) {
    const Entry* sidecar = find_entry(entries, file.name + std::string(suffix));
    if (sidecar != nullptr && sidecar->stat_errno == 0 && S_ISREG(sidecar->st.st_mode)) {
      file.sidecar_name = sidecar->name;
      file.sidecar_st = sidecar->st;
      return;
    }
  }
}

Result<std::string> read_link(int dirfd, const std::string& name, const struct stat& st) {
  std::string target(static_cast<std::size_t>(std::max<off_t>(st.st_size, 0)) + 1, '\0');
  for (int attempt = 0; attempt < 4; ++attempt) {
    const ssize_t n = ::readlinkat(dirfd, name.c_str(), target.data(), target.size());
    if (n < 0) return fail(Errc::kIo, "cannot read symlink: " + errno_text(errno));
    if (static_cast<std::size_t>(n) < target.size()) {
      target.resize(static_cast<std::size_t>(n));
      return target;
    }
    target.resize(target.size() * 2 + 256);  // it grew since lstat
  }
  return fail(Errc::kIo, "symlink keeps changing");
}

class Walker {
 public:
  Walker(const WalkOptions& options, WalkVisitor& visitor) : options_(options), visitor_(visitor) {}

  void root(const std::string& root) {
    struct stat st {};
    if (::lstat(root.c_str(), &st) != 0) {
      visitor_.error(root, "cannot stat: " + errno_text(errno), errno == ENOENT);
      return;
    }
    const std::filesystem::path as_path(root);
    const std::string parent = as_path.has_parent_path() ? as_path.parent_path().string() : "/";
    const std::string name = as_path.filename().string();
    if (S_ISDIR(st.st_mode)) {
      UniqueFd fd(::open(root.c_str(), kDirFlags));
      if (!fd.valid()) {
        visitor_.error(root, "cannot open directory: " + errno_text(errno), errno == ENOENT);
        return;
      }
      path_ = root == "/" ? std::string() : root;  // children are path_ + "/" + name
      descend(std::move(fd), st.st_dev, root);
      run();
      return;
    }
    UniqueFd parent_fd(::open(parent.c_str(), kDirFlags));
    if (!parent_fd.valid()) {
      visitor_.error(root, "cannot open " + parent + ": " + errno_text(errno), errno == ENOENT);
      return;
    }
    if (S_ISLNK(st.st_mode)) {
      auto target = read_link(parent_fd.get(), name, st);
      if (!target) {
        visitor_.error(root, target.error().message, false);
      } else {
        visitor_.symlink(root, st, std::move(*target));
      }
      return;
    }
    if (!S_ISREG(st.st_mode)) {
      visitor_.skipped(root, Skip::kSpecial);
      return;
    }
    WalkedFile file;
    file.path = root;
    file.name = name;
    file.st = st;
    for (const auto suffix : kSidecarSuffixes) {
      struct stat side {};
      const std::string side_name = name + std::string(suffix);
      if (::fstatat(parent_fd.get(), side_name.c_str(), &side, AT_SYMLINK_NOFOLLOW) == 0 &&
          S_ISREG(side.st_mode)) {
        file.sidecar_name = side_name;
        file.sidecar_st = side;
        break;
      }
    }
    auto dir = std::make_shared<Directory>();
    dir->fd = std::move(parent_fd);
    file.dir = std::move(dir);
    visitor_.regular_file(std::move(file));
  }

 private:
  bool stopped() const {
    return options_.stop != nullptr && options_.stop->load(std::memory_order_relaxed);
  }

  // Lists the opened directory (whose path is path_) and makes it the current frame.
  void descend(UniqueFd fd, dev_t dev, const std::string& shown_path) {
    auto entries = list_directory(fd.get());
    if (!entries) {
      visitor_.error(shown_path, entries.error().message, false);
      return;
    }
    Frame frame;
    frame.dir = std::make_shared<Directory>();
    frame.dir->fd = std::move(fd);
    frame.entries = std::move(*entries);
    frame.path_length = path_.size();
    frame.dev = dev;
    stack_.push_back(std::move(frame));
  }

  void run() {
    while (!stack_.empty() && !stopped()) {
      Frame& frame = stack_.back();
      if (frame.next == frame.entries.size()) {
        stack_.pop_back();
        continue;
      }
      const Entry& entry = frame.entries[frame.next++];
      path_.resize(frame.path_length);
      path_ += '/';
      path_ += entry.name;
      visit(frame, entry);
    }
    stack_.clear();
  }

  void visit(Frame& frame, const Entry& entry) {
    if (entry.stat_errno != 0) {
      visitor_.error(path_, "cannot stat: " + errno_text(entry.stat_errno),
                     entry.stat_errno == ENOENT);
      return;
    }
    const struct stat& st = entry.st;
    if (!options_.excludes.empty() && exclude_matches(options_.excludes, path_, entry.name)) {
      visitor_.skipped(path_, Skip::kExcluded);
      return;
    }
    if (S_ISDIR(st.st_mode)) {
      if (st.st_dev != frame.dev && !options_.cross_mounts) {
        visitor_.skipped(path_, Skip::kMountPoint);
        return;
      }
      UniqueFd fd(::openat(frame.dir->fd.get(), entry.name.c_str(), kDirFlags));
      if (!fd.valid()) {
        const int err = errno;
        std::string message = "cannot open directory: " + errno_text(err);
        if (err == EMFILE || err == ENFILE) message += " (directory nesting deeper than the limit)";
        visitor_.error(path_, message, err == ENOENT);
        return;
      }
      struct stat opened {};
      if (::fstat(fd.get(), &opened) != 0) {
        visitor_.error(path_, "cannot stat directory: " + errno_text(errno), false);
        return;
      }
      // Replaced between the listing and the open: walk what is there now, by the same rules.
      if (opened.st_dev != frame.dev && !options_.cross_mounts) {
        visitor_.skipped(path_, Skip::kMountPoint);
        return;
      }
      const std::string shown = path_;
      descend(std::move(fd), opened.st_dev, shown);
      return;
    }
    if (S_ISLNK(st.st_mode)) {
      auto target = read_link(frame.dir->fd.get(), entry.name, st);
      if (!target) {
        visitor_.error(path_, target.error().message, false);
      } else {
        visitor_.symlink(path_, st, std::move(*target));
      }
      return;
    }
    if (!S_ISREG(st.st_mode)) {
      visitor_.skipped(path_, Skip::kSpecial);
      return;
    }
    if (st.st_dev != frame.dev && !options_.cross_mounts) {  // a file bind-mounted here
      visitor_.skipped(path_, Skip::kMountPoint);
      return;
    }
    WalkedFile file;
    file.dir = frame.dir;
    file.path = path_;
    file.name = entry.name;
    file.st = st;
    attach_sidecar(file, frame.entries);
    visitor_.regular_file(std::move(file));
  }

  const WalkOptions& options_;
  WalkVisitor& visitor_;
  std::vector<Frame> stack_;
  std::string path_;
};

}  // namespace

void walk(const WalkOptions& options, WalkVisitor& visitor) {
  for (const auto& root : options.roots) {
    if (options.stop != nullptr && options.stop->load()) return;
    Walker walker(options, visitor);
    walker.root(root);
  }
}

std::string normalize_root(const std::string& path, const std::string& cwd) {
  std::filesystem::path p(path);
  if (p.is_relative()) p = std::filesystem::path(cwd) / p;
  std::string normal = p.lexically_normal().string();
  while (normal.size() > 1 && normal.back() == '/') normal.pop_back();
  return normal.empty() ? "/" : normal;
}

bool exclude_matches(const std::vector<std::string>& excludes, const std::string& path,
                     const std::string& name) {
  for (const auto& glob : excludes) {
    const bool whole_path = glob.find('/') != std::string::npos;
    if (::fnmatch(glob.c_str(), whole_path ? path.c_str() : name.c_str(), 0) == 0) return true;
  }
  return false;
}

std::uint64_t raise_open_file_limit() noexcept {
  struct rlimit limit {};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    (void)::setrlimit(RLIMIT_NOFILE, &limit);
    (void)::getrlimit(RLIMIT_NOFILE, &limit);
  }
  return limit.rlim_cur;
}

}  // namespace signet::inventory
