// One gate per target at a time: an advisory lock (flock) on a file per target, held for the whole
// verify -> run -> record sequence. The kernel releases it when the holder exits, however it
// exits, so a crashed gate never leaves a target locked. Lock files live in a directory beside the
// state database (STATE_DB.locks/), one per target, named by the SHA-256 of the target.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>

#include "core/error.hpp"

namespace signet::gate {

class TargetLock {
 public:
  // Waits up to `timeout` for the lock. `interrupted` is polled while waiting; when it returns
  // true the wait ends with an error. `waiting` is called once when the lock is busy, with what
  // the holder wrote into the lock file ("pid 1234").
  [[nodiscard]] static Result<TargetLock> acquire(
      const std::filesystem::path& lock_dir, const std::string& target,
      std::chrono::milliseconds timeout, const std::function<bool()>& interrupted = {},
      const std::function<void(const std::string& holder)>& waiting = {});

  TargetLock(TargetLock&& other) noexcept;
  TargetLock& operator=(TargetLock&& other) noexcept;
  TargetLock(const TargetLock&) = delete;
  TargetLock& operator=(const TargetLock&) = delete;
  ~TargetLock();

  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

 private:
  TargetLock(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}
  int fd_ = -1;
  std::filesystem::path path_;
};

// STATE_DB.locks
[[nodiscard]] std::filesystem::path lock_dir_for(const std::filesystem::path& state_db);

}  // namespace signet::gate
