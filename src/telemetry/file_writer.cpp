#include "telemetry/file_writer.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/file_io.hpp"

namespace signet::telemetry {
namespace {

int open_append(const std::filesystem::path& path) {
  return ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

// Holds flock(LOCK_EX) on a descriptor for one batch.
class FileLock {
 public:
  explicit FileLock(int fd) : fd_(fd), locked_(::flock(fd, LOCK_EX) == 0) {}
  ~FileLock() {
    if (locked_) ::flock(fd_, LOCK_UN);
  }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_;
  bool locked_;
};

}  // namespace

Result<std::unique_ptr<RotatingFileWriter>> RotatingFileWriter::open(
    std::filesystem::path path, const FileWriterOptions& options) {
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  const int fd = open_append(path);
  if (fd < 0) return std::unexpected(io_error("cannot open", path, errno));
  return std::unique_ptr<RotatingFileWriter>(new RotatingFileWriter(std::move(path), options, fd));
}

RotatingFileWriter::~RotatingFileWriter() {
  if (fd_ >= 0) ::close(fd_);
}

Result<void> RotatingFileWriter::reopen_if_rotated() {
  struct stat by_fd {};
  struct stat by_path {};
  if (::fstat(fd_, &by_fd) == 0 && ::stat(path_.c_str(), &by_path) == 0 &&
      by_fd.st_ino == by_path.st_ino && by_fd.st_dev == by_path.st_dev) {
    return {};
  }
  const int fd = open_append(path_);
  if (fd < 0) return std::unexpected(io_error("cannot reopen", path_, errno));
  ::close(fd_);
  fd_ = fd;
  return {};
}

Result<void> RotatingFileWriter::rotate() {
  const std::string base = path_.string();
  for (std::uint32_t i = options_.rotate_keep; i >= 1; --i) {
    const std::string from = i == 1 ? base : base + "." + std::to_string(i - 1);
    const std::string to = base + "." + std::to_string(i);
    if (::rename(from.c_str(), to.c_str()) != 0 && errno != ENOENT) {
      return std::unexpected(io_error("cannot rotate", from, errno));
    }
  }
  const int fd = open_append(path_);
  if (fd < 0) return std::unexpected(io_error("cannot open", path_, errno));
  ::close(fd_);
  fd_ = fd;
  return {};
}

Result<void> RotatingFileWriter::append(const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::unexpected(io_error("cannot write", path_, errno));
    }
    done += static_cast<std::size_t>(n);
  }
  if (options_.fsync != policy::FsyncPolicy::kNever && ::fdatasync(fd_) != 0) {
    return std::unexpected(io_error("cannot fsync", path_, errno));
  }
  return {};
}

WriteResult RotatingFileWriter::write(std::span<const std::string> records) {
  FileLock lock(fd_);
  if (auto fresh = reopen_if_rotated(); !fresh) return {0, fresh.error()};
  // every-event: one write + fdatasync per record; otherwise one per batch.
  const bool each = options_.fsync == policy::FsyncPolicy::kEveryEvent;
  struct stat st {};
  std::uint64_t size = ::fstat(fd_, &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
  std::size_t pending_from = 0;
  buffer_.clear();
  for (std::size_t i = 0; i < records.size(); ++i) {
    const std::size_t add = records[i].size() + 1;
    if (options_.rotate_bytes > 0 && size > 0 &&
        size + buffer_.size() + add > options_.rotate_bytes) {
      if (!buffer_.empty()) {
        if (auto w = append(buffer_); !w) return {pending_from, w.error()};
        buffer_.clear();
        pending_from = i;
      }
      if (auto r = rotate(); !r) return {pending_from, r.error()};
      size = 0;
    }
    buffer_ += records[i];
    buffer_ += '\n';
    if (each) {
      if (auto w = append(buffer_); !w) return {pending_from, w.error()};
      size += buffer_.size();
      buffer_.clear();
      pending_from = i + 1;
    }
  }
  if (!buffer_.empty()) {
    if (auto w = append(buffer_); !w) return {pending_from, w.error()};
  }
  return {records.size(), std::nullopt};
}

}  // namespace signet::telemetry
