#include "gate/exec_fanotify.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace signet::gate {
namespace {

static_assert(kEventModify == FAN_MODIFY && kEventCloseWrite == FAN_CLOSE_WRITE &&
              kEventOverflow == FAN_Q_OVERFLOW && kEventOpenPerm == FAN_OPEN_PERM &&
              kEventOpenExecPerm == FAN_OPEN_EXEC_PERM &&
              kPermissionEvents == (FAN_OPEN_PERM | FAN_OPEN_EXEC_PERM | FAN_ACCESS_PERM));

constexpr std::uint64_t kMarkMask =
    FAN_OPEN_EXEC_PERM | FAN_OPEN_PERM | FAN_MODIFY | FAN_CLOSE_WRITE;

}  // namespace

Result<bool> is_mount_root(const std::filesystem::path& path) {
  struct statx st {};
  if (::statx(AT_FDCWD, path.c_str(), AT_NO_AUTOMOUNT, STATX_BASIC_STATS, &st) != 0) {
    return fail(Errc::kIo, path.string() + ": " + errno_text(errno));
  }
  if ((st.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) == 0) {
    return fail(Errc::kUnsupported, "the kernel does not report mount roots (statx)");
  }
  return (st.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
}

Result<std::unique_ptr<FanotifySource>> FanotifySource::create() {
  const int fd = ::fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK,
                                 O_RDONLY | O_LARGEFILE | O_CLOEXEC);
  if (fd < 0) {
    const int error = errno;
    return fail(Errc::kUnsupported,
                "fanotify_init: " + errno_text(error) +
                    (error == EPERM ? " (the execution gate needs CAP_SYS_ADMIN)" : ""));
  }
  return std::unique_ptr<FanotifySource>(new FanotifySource(fd));
}

FanotifySource::~FanotifySource() {
  // Closing the group allows every event still pending (the kernel's rule, docs/exec-gate.md).
  if (fd_ >= 0) ::close(fd_);
}

Result<std::string> FanotifySource::mark(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return fail(Errc::kIo, path.string() + ": " + errno_text(errno));
  std::string how = "inode";
  unsigned int flags = FAN_MARK_ADD;
  std::uint64_t mask = kMarkMask;
  if (S_ISDIR(st.st_mode)) {
    auto root = is_mount_root(path);
    if (!root) return std::unexpected(root.error());
    if (*root) {
      flags |= FAN_MARK_MOUNT;
      how = "mount";
    } else {
      mask |= FAN_EVENT_ON_CHILD;
    }
  } else if (!S_ISREG(st.st_mode)) {
    return fail(Errc::kUsage, path.string() + " is neither a directory nor a regular file");
  }
  if (::fanotify_mark(fd_, flags, mask, AT_FDCWD, path.c_str()) != 0) {
    return fail(Errc::kIo, "fanotify_mark " + path.string() + ": " + errno_text(errno));
  }
  return how;
}

Result<std::vector<RawEvent>> FanotifySource::wait(std::chrono::milliseconds timeout) {
  std::vector<RawEvent> events;
  pollfd pfd{fd_, POLLIN, 0};
  const int ready = ::poll(&pfd, 1, static_cast<int>(timeout.count()));
  if (ready < 0) {
    if (errno == EINTR) return events;
    return fail(Errc::kIo, "poll on the fanotify group: " + errno_text(errno));
  }
  if (ready == 0) return events;
  alignas(fanotify_event_metadata) std::array<char, 64 * 1024> buffer{};
  const ssize_t length = ::read(fd_, buffer.data(), buffer.size());
  if (length < 0) {
    if (errno == EAGAIN || errno == EINTR) return events;
    return fail(Errc::kIo, "read from the fanotify group: " + errno_text(errno));
  }
  // NOLINTBEGIN(cppcoreguidelines-pro-type-reinterpret-cast,cppcoreguidelines-pro-bounds-pointer-arithmetic)
  const auto* meta = reinterpret_cast<const fanotify_event_metadata*>(buffer.data());
  ssize_t left = length;
  for (; FAN_EVENT_OK(meta, left); meta = FAN_EVENT_NEXT(meta, left)) {
    if (meta->vers != FANOTIFY_METADATA_VERSION) {
      // Cannot happen with the headers we were built with. Fail closed, and keep no descriptor.
      if (meta->fd >= 0) {
        if ((meta->mask & kPermissionEvents) != 0) (void)respond(meta->fd, false);
        ::close(meta->fd);
      }
      continue;
    }
    events.push_back(RawEvent{meta->mask, meta->fd, meta->pid});
  }
  // NOLINTEND(cppcoreguidelines-pro-type-reinterpret-cast,cppcoreguidelines-pro-bounds-pointer-arithmetic)
  return events;
}

Result<void> FanotifySource::respond(int event_fd, bool allow) {
  const fanotify_response response{event_fd, static_cast<__u32>(allow ? FAN_ALLOW : FAN_DENY)};
  for (;;) {
    const ssize_t written = ::write(fd_, &response, sizeof response);
    if (written == static_cast<ssize_t>(sizeof response)) return {};
    if (written < 0 && errno == EINTR) continue;
    return fail(Errc::kIo, "fanotify response: " + errno_text(written < 0 ? errno : EIO));
  }
}

void FanotifySource::close_event(int event_fd) noexcept {
  if (event_fd >= 0) ::close(event_fd);
}

}  // namespace signet::gate
