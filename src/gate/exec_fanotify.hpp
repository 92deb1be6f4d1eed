// FanotifySource: the production EventSource. One fanotify group of class FAN_CLASS_CONTENT that
// receives FAN_OPEN_EXEC_PERM and FAN_OPEN_PERM (permission) and FAN_MODIFY / FAN_CLOSE_WRITE
// (cache invalidation, project-file guard) for the marked mounts and paths.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "gate/exec_event_source.hpp"

namespace signet::gate {

class FanotifySource final : public EventSource {
 public:
  // fanotify_init; Errc::kUnsupported when the kernel or the caller's privileges do not allow it.
  [[nodiscard]] static Result<std::unique_ptr<FanotifySource>> create();
  ~FanotifySource() override;
  FanotifySource(const FanotifySource&) = delete;
  FanotifySource& operator=(const FanotifySource&) = delete;

  // Marks `path`: a mount point as the whole mount (FAN_MARK_MOUNT), any other directory or file
  // as an inode (a directory covers the files directly in it). Returns how it was marked ("mount"
  // or "inode").
  [[nodiscard]] Result<std::string> mark(const std::filesystem::path& path);

  [[nodiscard]] Result<std::vector<RawEvent>> wait(std::chrono::milliseconds timeout) override;
  [[nodiscard]] Result<void> respond(int event_fd, bool allow) override;
  void close_event(int event_fd) noexcept override;

 private:
  explicit FanotifySource(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// True when `path` is the root of a mount (statx STATX_ATTR_MOUNT_ROOT).
[[nodiscard]] Result<bool> is_mount_root(const std::filesystem::path& path);

}  // namespace signet::gate
