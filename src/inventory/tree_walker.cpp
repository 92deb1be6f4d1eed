#include "inventory/tree_walker.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <string_view>
#include <thread>
#include <utility>

#include "inventory/signature_check.hpp"

namespace signet::inventory {
namespace {

constexpr int kDirFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK;

// A directory's listing: names in one buffer (NUL-terminated, for fstatat), entries sorted by
// name. One allocation per directory rather than one per name.
struct Entry {
  std::uint32_t offset = 0;
  std::uint32_t length = 0;
  struct stat st {};
  int stat_errno = 0;
};

struct Listing {
  std::string names;
  std::vector<Entry> entries;
  [[nodiscard]] std::string_view name(const Entry& e) const {
    return std::string_view(names).substr(e.offset, e.length);
  }
  [[nodiscard]] const char* c_name(const Entry& e) const { return names.data() + e.offset; }
};

// Reads all names of the directory (getdents64 on the descriptor) and lstats each relative to it.
Result<Listing> list_directory(int fd) {
  Listing listing;
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
      listing.entries.push_back({static_cast<std::uint32_t>(listing.names.size()),
                                 static_cast<std::uint32_t>(name.size()),
                                 {},
                                 0});
      listing.names.append(name);
      listing.names.push_back('\0');
    }
  }
  std::sort(listing.entries.begin(), listing.entries.end(),
            [&](const Entry& a, const Entry& b) { return listing.name(a) < listing.name(b); });
  for (auto& e : listing.entries) {
    if (::fstatat(fd, listing.c_name(e), &e.st, AT_SYMLINK_NOFOLLOW) != 0) e.stat_errno = errno;
  }
  return listing;
}

const Entry* find_entry(const Listing& listing, std::string_view name) {
  const auto it =
      std::lower_bound(listing.entries.begin(), listing.entries.end(), name,
                       [&](const Entry& e, std::string_view n) { return listing.name(e) < n; });
  return it != listing.entries.end() && listing.name(*it) == name ? &*it : nullptr;
}

// The first separate signature beside `name` in the listing (FILE.sig, FILE.p7s, FILE.minisig).
const Entry* find_sidecar(const Listing& listing, std::string_view name, std::string& scratch) {
  for (const auto suffix : kSidecarSuffixes) {
    scratch.assign(name);
    scratch.append(suffix);
    const Entry* sidecar = find_entry(listing, scratch);
    if (sidecar != nullptr && sidecar->stat_errno == 0 && S_ISREG(sidecar->st.st_mode)) {
      return sidecar;
    }
  }
  return nullptr;
}

Result<std::string> read_link(int dirfd, const char* name, const struct stat& st) {
  std::string target(static_cast<std::size_t>(std::max<off_t>(st.st_size, 0)) + 1, '\0');
  for (int attempt = 0; attempt < 4; ++attempt) {
    const ssize_t n = ::readlinkat(dirfd, name, target.data(), target.size());
    if (n < 0) return fail(Errc::kIo, "cannot read symlink: " + errno_text(errno));
    if (static_cast<std::size_t>(n) < target.size()) {
      target.resize(static_cast<std::size_t>(n));
      return target;
    }
    target.resize(target.size() * 2 + 256);  // it grew since lstat
  }
  return fail(Errc::kIo, "symlink keeps changing");
}

// A directory still to be walked: opened relative to its parent's descriptor (kept alive by the
// task), or by its absolute path for a root.
struct DirTask {
  std::shared_ptr<Directory> parent;  // nullptr: a root
  std::string path;
  std::string name;  // in `parent`
  dev_t dev = 0;     // the device of the walk's root: no other is entered unless asked
};

// Directory tasks shared by the walking threads. Last in, first out: the walk stays close to
// depth-first, which bounds the directories held open.
class TaskPool {
 public:
  explicit TaskPool(const std::atomic<bool>* stop) : stop_(stop) {}

  void push(DirTask task) {
    std::lock_guard lock(mutex_);
    tasks_.push_back(std::move(task));
    wake_.notify_one();
  }

  // False when the walk is over (no task left and nobody working that could add one) or stopped.
  bool take(DirTask& task) {
    std::unique_lock lock(mutex_);
    for (;;) {
      if (stop_ != nullptr && stop_->load(std::memory_order_relaxed)) {
        tasks_.clear();
        wake_.notify_all();
        return false;
      }
      if (!tasks_.empty()) {
        task = std::move(tasks_.back());
        tasks_.pop_back();
        ++active_;
        return true;
      }
      if (active_ == 0) {
        wake_.notify_all();
        return false;
      }
      wake_.wait(lock);
    }
  }

  void done() {
    std::lock_guard lock(mutex_);
    if (--active_ == 0 && tasks_.empty()) wake_.notify_all();
  }

 private:
  const std::atomic<bool>* stop_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<DirTask> tasks_;
  unsigned active_ = 0;
};

class Walker {
 public:
  Walker(const WalkOptions& options, WalkVisitor& visitor)
      : options_(options), visitor_(visitor), pool_(options.stop) {}

  void run() {
    for (const auto& root : options_.roots) start(root);
    const unsigned threads = std::max(1u, options_.threads);
    std::vector<std::thread> extra;
    for (unsigned t = 1; t < threads; ++t) extra.emplace_back([this, t] { work(t); });
    work(0);
    for (auto& t : extra) t.join();
  }

 private:
  bool stopped() const {
    return options_.stop != nullptr && options_.stop->load(std::memory_order_relaxed);
  }

  // A root: a directory becomes the first task; anything else is visited here.
  void start(const std::string& root) {
    struct stat st {};
    if (::lstat(root.c_str(), &st) != 0) {
      visitor_.error(0, root, "cannot stat: " + errno_text(errno), errno == ENOENT);
      return;
    }
    if (S_ISDIR(st.st_mode)) {
      pool_.push({nullptr, root, {}, st.st_dev});
      return;
    }
    const std::filesystem::path as_path(root);
    const std::string parent = as_path.has_parent_path() ? as_path.parent_path().string() : "/";
    const std::string name = as_path.filename().string();
    UniqueFd parent_fd(::open(parent.c_str(), kDirFlags));
    if (!parent_fd.valid()) {
      visitor_.error(0, root, "cannot open " + parent + ": " + errno_text(errno), errno == ENOENT);
      return;
    }
    if (S_ISLNK(st.st_mode)) {
      auto target = read_link(parent_fd.get(), name.c_str(), st);
      if (!target) {
        visitor_.error(0, root, target.error().message, false);
      } else {
        visitor_.symlink(0, root, st, std::move(*target));
      }
      return;
    }
    if (!S_ISREG(st.st_mode)) {
      visitor_.skipped(0, root, Skip::kSpecial);
      return;
    }
    std::string side_name;
    struct stat side {};
    for (const auto suffix : kSidecarSuffixes) {
      const std::string candidate = name + std::string(suffix);
      if (::fstatat(parent_fd.get(), candidate.c_str(), &side, AT_SYMLINK_NOFOLLOW) == 0 &&
          S_ISREG(side.st_mode)) {
        side_name = candidate;
        break;
      }
    }
    auto dir = std::make_shared<Directory>();
    dir->fd = std::move(parent_fd);
    visitor_.regular_file(
        0, FileView{dir, root, name, st, side_name, side_name.empty() ? nullptr : &side});
  }

  void work(unsigned thread) {
    DirTask task;
    std::string path;
    std::string scratch;
    while (pool_.take(task)) {
      directory(thread, task, path, scratch);
      task = DirTask{};  // release the parent's descriptor before waiting for the next task
      pool_.done();
    }
  }

  void directory(unsigned thread, const DirTask& task, std::string& path, std::string& scratch) {
    UniqueFd fd(task.parent ? ::openat(task.parent->fd.get(), task.name.c_str(), kDirFlags)
                            : ::open(task.path.c_str(), kDirFlags));
    if (!fd.valid()) {
      const int err = errno;
      std::string message = "cannot open directory: " + errno_text(err);
      if (err == EMFILE || err == ENFILE) message += " (too many directories open at once)";
      visitor_.error(thread, task.path, message, err == ENOENT);
      return;
    }
    struct stat opened {};
    if (::fstat(fd.get(), &opened) != 0) {
      visitor_.error(thread, task.path, "cannot stat directory: " + errno_text(errno), false);
      return;
    }
    // Replaced between the listing and the open: walk what is there now, by the same rules.
    if (opened.st_dev != task.dev && !options_.cross_mounts) {
      visitor_.skipped(thread, task.path, Skip::kMountPoint);
      return;
    }
    auto listing = list_directory(fd.get());
    if (!listing) {
      visitor_.error(thread, task.path, listing.error().message, false);
      return;
    }
    auto dir = std::make_shared<Directory>();
    dir->fd = std::move(fd);
    const std::size_t base = task.path == "/" ? 0 : task.path.size();
    path.assign(task.path, 0, base);
    for (const Entry& entry : listing->entries) {
      if (stopped()) return;
      const std::string_view name = listing->name(entry);
      path.resize(base);
      path += '/';
      path += name;
      visit(thread, dir, *listing, entry, opened.st_dev, path, scratch);
    }
  }

  void visit(unsigned thread, const std::shared_ptr<Directory>& dir, const Listing& listing,
             const Entry& entry, dev_t dev, const std::string& path, std::string& scratch) {
    const std::string_view name = listing.name(entry);
    if (entry.stat_errno != 0) {
      visitor_.error(thread, path, "cannot stat: " + errno_text(entry.stat_errno),
                     entry.stat_errno == ENOENT);
      return;
    }
    const struct stat& st = entry.st;
    if (!options_.excludes.empty() && exclude_matches(options_.excludes, path, std::string(name))) {
      visitor_.skipped(thread, path, Skip::kExcluded);
      return;
    }
    if (st.st_dev != dev && !options_.cross_mounts && !S_ISLNK(st.st_mode)) {
      // a mount point, or a file bind-mounted here
      visitor_.skipped(thread, path, Skip::kMountPoint);
      return;
    }
    if (S_ISDIR(st.st_mode)) {
      pool_.push({dir, path, std::string(name), options_.cross_mounts ? st.st_dev : dev});
      return;
    }
    if (S_ISLNK(st.st_mode)) {
      auto target = read_link(dir->fd.get(), listing.c_name(entry), st);
      if (!target) {
        visitor_.error(thread, path, target.error().message, false);
      } else {
        visitor_.symlink(thread, path, st, std::move(*target));
      }
      return;
    }
    if (!S_ISREG(st.st_mode)) {
      visitor_.skipped(thread, path, Skip::kSpecial);
      return;
    }
    const Entry* sidecar = find_sidecar(listing, name, scratch);
    visitor_.regular_file(
        thread, FileView{dir, path, name, st, sidecar != nullptr ? listing.name(*sidecar) : "",
                         sidecar != nullptr ? &sidecar->st : nullptr});
  }

  const WalkOptions& options_;
  WalkVisitor& visitor_;
  TaskPool pool_;
};

}  // namespace

WalkedFile FileView::own() const {
  WalkedFile file;
  file.dir = dir;
  file.path = path;
  file.name = name;
  file.st = st;
  if (sidecar_st != nullptr) {
    file.sidecar_name = std::string(sidecar_name);
    file.sidecar_st = *sidecar_st;
  }
  return file;
}

void walk(const WalkOptions& options, WalkVisitor& visitor) {
  Walker walker(options, visitor);
  walker.run();
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
