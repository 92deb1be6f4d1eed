#include "gate/target_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>
#include <thread>
#include <utility>

#include "core/hex.hpp"
#include "crypto/digest.hpp"

namespace signet::gate {
namespace {

constexpr auto kPollInterval = std::chrono::milliseconds(20);

std::string read_holder(int fd) {
  char buf[128] = {};
  const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  std::string text(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\0')) text.pop_back();
  return text;
}

void write_holder(int fd, const std::string& target) {
  const std::string text = "pid " + std::to_string(::getpid()) + " target " + target + "\n";
  if (::ftruncate(fd, 0) == 0) (void)!::pwrite(fd, text.data(), text.size(), 0);
}

}  // namespace

std::filesystem::path lock_dir_for(const std::filesystem::path& state_db) {
  return std::filesystem::path(state_db.string() + ".locks");
}

Result<TargetLock> TargetLock::acquire(const std::filesystem::path& lock_dir,
                                       const std::string& target, std::chrono::milliseconds timeout,
                                       const std::function<bool()>& interrupted,
                                       const std::function<void(const std::string&)>& waiting) {
  std::error_code ec;
  std::filesystem::create_directories(lock_dir, ec);
  if (ec)
    return fail(Errc::kIo,
                "cannot create lock directory " + lock_dir.string() + ": " + ec.message());
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(target.data());
  const std::string name =
      to_hex(crypto::digest_bytes(crypto::DigestAlgorithm::kSha256, {bytes, target.size()}));
  const auto path = lock_dir / (name + ".lock");
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) {
    return fail(Errc::kIo, "cannot open lock file " + path.string() + ": " + std::strerror(errno));
  }
  TargetLock lock(fd, path);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool reported = false;
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) {
      return fail(Errc::kIo, "cannot lock " + path.string() + ": " + std::strerror(errno));
    }
    if (!reported && waiting) {
      waiting(read_holder(fd));
      reported = true;
    }
    if (interrupted && interrupted()) {
      return fail(Errc::kIo, "interrupted while waiting for the lock of target " + target);
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      const std::string holder = read_holder(fd);
      return fail(Errc::kIo, "another change to target " + target + " is in progress" +
                                 (holder.empty() ? "" : " (" + holder + ")") +
                                 "; gave up waiting for it");
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  write_holder(fd, target);
  return lock;
}

TargetLock::TargetLock(TargetLock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)) {}

TargetLock& TargetLock::operator=(TargetLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
  }
  return *this;
}

TargetLock::~TargetLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the flock
}

}  // namespace signet::gate
