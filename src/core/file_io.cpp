#include "core/file_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace signet {
namespace {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  [[nodiscard]] int get() const { return fd_; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

}  // namespace

Error io_error(const std::string& what, const std::filesystem::path& path, int err) {
  return Error{Errc::kIo, what + " " + path.string() + ": " + std::strerror(err)};
}

Result<Bytes> read_file_bytes(const std::filesystem::path& path, std::size_t max_bytes) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0)
    return fail(Errc::kIo, "cannot open " + path.string() + ": " + errno_text(errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return fail(Errc::kIo, "cannot stat " + path.string() + ": " + errno_text(errno));
  }
  if (!S_ISREG(st.st_mode)) return fail(Errc::kIo, path.string() + " is not a regular file");
  if (static_cast<std::size_t>(st.st_size) > max_bytes) {
    return fail(Errc::kIo,
                path.string() + " is larger than " + std::to_string(max_bytes) + " bytes");
  }
  Bytes out;
  out.reserve(static_cast<std::size_t>(st.st_size));
  std::uint8_t buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(Errc::kIo, "cannot read " + path.string() + ": " + errno_text(errno));
    }
    if (n == 0) break;
    if (out.size() + static_cast<std::size_t>(n) > max_bytes) {
      return fail(Errc::kIo, path.string() + " grew past " + std::to_string(max_bytes) + " bytes");
    }
    out.insert(out.end(), buf, buf + n);
  }
  return out;
}

Result<std::string> read_file_text(const std::filesystem::path& path, std::size_t max_bytes) {
  auto bytes = read_file_bytes(path, max_bytes);
  if (!bytes) return std::unexpected(bytes.error());
  return std::string(bytes->begin(), bytes->end());
}

Result<void> write_file_atomic(const std::filesystem::path& path,
                               std::span<const std::uint8_t> data) {
  std::string tmpl = path.string() + ".tmp.XXXXXX";
  Fd fd(::mkstemp(tmpl.data()));
  if (fd.get() < 0) {
    return fail(Errc::kIo,
                "cannot create a file beside " + path.string() + ": " + errno_text(errno));
  }
  ::fchmod(fd.get(), 0644);
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd.get(), data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::unlink(tmpl.c_str());
      return fail(Errc::kIo, "cannot write " + path.string() + ": " + errno_text(err));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0 || ::close(fd.release()) != 0) {
    const int err = errno;
    ::unlink(tmpl.c_str());
    return fail(Errc::kIo, "cannot flush " + path.string() + ": " + errno_text(err));
  }
  if (::rename(tmpl.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmpl.c_str());
    return fail(Errc::kIo, "cannot rename into " + path.string() + ": " + errno_text(err));
  }
  return {};
}

}  // namespace signet
