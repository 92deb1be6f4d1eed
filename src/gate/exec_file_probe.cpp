#include "gate/exec_file_probe.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <vector>

#include "crypto/digest.hpp"

namespace signet::gate {
namespace {

std::string read_link(const std::string& link) {
  std::array<char, 4096> buf{};
  const ssize_t n = ::readlink(link.c_str(), buf.data(), buf.size() - 1);
  if (n <= 0) return {};
  return std::string(buf.data(), static_cast<std::size_t>(n));
}

constexpr std::size_t kChunk = std::size_t{1} << 20;

}  // namespace

Result<FileIdentity> ProcFileProbe::identify(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    return fail(Errc::kIo,
                std::string("fstat: ") + std::strerror(errno));  // NOLINT(concurrency-mt-unsafe)
  }
  FileIdentity id;
  id.dev = st.st_dev;
  id.ino = st.st_ino;
  id.size = static_cast<std::uint64_t>(st.st_size);
  id.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  id.ctime_ns = static_cast<std::int64_t>(st.st_ctim.tv_sec) * 1'000'000'000 + st.st_ctim.tv_nsec;
  id.regular = S_ISREG(st.st_mode);
  return id;
}

std::string ProcFileProbe::path_of(int fd) {
  return read_link("/proc/self/fd/" + std::to_string(fd));
}

std::string ProcFileProbe::exe_of(std::int32_t pid) {
  return read_link("/proc/" + std::to_string(pid) + "/exe");
}

Result<FileContent> ProcFileProbe::read(int fd, bool keep_bytes, std::uint64_t max_kept) {
  auto digest = crypto::StreamingDigest::create(crypto::DigestAlgorithm::kSha256);
  if (!digest) return std::unexpected(digest.error());
  (void)::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  FileContent content;
  std::vector<std::uint8_t> chunk(kChunk);
  off_t offset = 0;
  bool keep = keep_bytes;
  for (;;) {
    const ssize_t n = ::pread(fd, chunk.data(), chunk.size(), offset);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(Errc::kIo,
                  std::string("read: ") + std::strerror(errno));  // NOLINT(concurrency-mt-unsafe)
    }
    if (n == 0) break;
    const std::span<const std::uint8_t> data(chunk.data(), static_cast<std::size_t>(n));
    if (offset == 0 && n >= 2 && chunk[0] == 'M' && chunk[1] == 'Z') {
      content.starts_with_mz = true;
      keep = true;
    }
    digest->update(data);
    if (keep) {
      if (content.bytes.size() + data.size() > max_kept) {
        keep = false;
        content.bytes.clear();
        content.bytes.shrink_to_fit();
      } else {
        content.bytes.insert(content.bytes.end(), data.begin(), data.end());
      }
    }
    offset += n;
  }
  content.sha256 = to_hex(digest->finish());
  return content;
}

}  // namespace signet::gate
