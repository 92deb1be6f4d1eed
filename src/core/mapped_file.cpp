#include "core/mapped_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

namespace signet {
namespace {

constexpr std::size_t kChunk = std::size_t{256} << 10;     // fits L2 with the digest's state
constexpr std::size_t kRereadFrom = std::size_t{1} << 20;  // smaller spans: straight from memory

struct Mapping {
  const std::uint8_t* data;
  std::size_t size;
  int fd;
};

// The live mappings, for for_each_chunk(). Few at a time (a verify maps one or two files).
std::mutex g_mappings_mutex;
std::vector<Mapping> g_mappings;

void register_mapping(const Mapping& m) {
  const std::lock_guard lock(g_mappings_mutex);
  g_mappings.push_back(m);
}

void unregister_mapping(const std::uint8_t* data) {
  const std::lock_guard lock(g_mappings_mutex);
  std::erase_if(g_mappings, [data](const Mapping& m) { return m.data == data; });
}

// The descriptor and offset of `bytes` when a live mapping holds all of it; fd -1 otherwise.
std::pair<int, off_t> backing_of(std::span<const std::uint8_t> bytes) {
  const std::lock_guard lock(g_mappings_mutex);
  for (const auto& m : g_mappings) {
    if (bytes.data() >= m.data && bytes.data() + bytes.size() <= m.data + m.size) {
      return {::dup(m.fd), static_cast<off_t>(bytes.data() - m.data)};  // dup: the owner may close
    }
  }
  return {-1, 0};
}

// Reads [offset, offset + size) of `fd` into a ring of buffers on its own thread while the caller
// consumes the previous ones: reading (a copy out of the page cache) and digesting overlap.
bool pipelined_read(int fd, off_t offset, std::size_t size,
                    const std::function<bool(std::span<const std::uint8_t>)>& consume) {
  constexpr std::size_t kRing = 4;
  // Not zero-filled (pread fills each buffer before it is read): on the VMs measured, zeroing the
  // ring on the caller's thread before the reader starts took 2-6 ms of page faults per verify.
  const std::unique_ptr<std::uint8_t[]> buffers(new std::uint8_t[kRing * kChunk]);
  const auto buffer = [&](std::size_t i) { return buffers.get() + (i % kRing) * kChunk; };
  std::vector<ssize_t> filled(kRing, 0);
  std::mutex mutex;
  std::condition_variable changed;
  std::size_t produced = 0;
  std::size_t consumed = 0;
  bool stop = false;
  std::thread reader([&] {
    for (std::size_t at = 0, i = 0;; ++i) {
      {
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] { return stop || produced - consumed < kRing; });
        if (stop) return;
      }
      ssize_t n = 0;
      const std::size_t want = std::min(kChunk, size - at);
      if (want > 0) {
        do {
          n = ::pread(fd, buffer(i), want, offset + static_cast<off_t>(at));
        } while (n < 0 && errno == EINTR);
        if (n == 0) n = -1;  // short: the file shrank since it was mapped
      }
      {
        const std::lock_guard lock(mutex);
        filled[i % kRing] = n;
        ++produced;
      }
      changed.notify_all();
      if (n <= 0) return;  // the end (0) or an error (-1)
      at += static_cast<std::size_t>(n);
    }
  });
  bool ok = true;
  for (std::size_t i = 0;; ++i) {
    ssize_t n = 0;
    {
      std::unique_lock lock(mutex);
      changed.wait(lock, [&] { return produced > consumed; });
      n = filled[i % kRing];
    }
    if (n <= 0) {
      ok = n == 0;
      break;
    }
    ok = consume(std::span<const std::uint8_t>(buffer(i), static_cast<std::size_t>(n)));
    {
      const std::lock_guard lock(mutex);
      ++consumed;
      if (!ok) stop = true;
    }
    changed.notify_all();
    if (!ok) break;
  }
  reader.join();
  return ok;
}

}  // namespace

bool for_each_chunk(std::span<const std::uint8_t> bytes,
                    const std::function<bool(std::span<const std::uint8_t>)>& consume) {
  auto [fd, offset] =
      bytes.size() >= kRereadFrom ? backing_of(bytes) : std::pair<int, off_t>{-1, 0};
  if (fd >= 0) {
    std::optional<bool> ok;
    try {
      ok = pipelined_read(fd, offset, bytes.size(), consume);
    } catch (const std::system_error&) {  // no reader thread to be had: nothing consumed yet
    }
    ::close(fd);
    if (ok) return *ok;
  }
  for (std::size_t at = 0; at < bytes.size(); at += kChunk) {
    if (!consume(bytes.subspan(at, std::min(kChunk, bytes.size() - at)))) return false;
  }
  return true;
}

Result<MappedFile> MappedFile::open(const std::filesystem::path& path, std::size_t max_bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return fail(Errc::kIo, "cannot open " + path.string() + ": " + std::strerror(errno));
  }
  struct stat st {};
  const int stat_rc = ::fstat(fd, &st);
  const int stat_errno = errno;
  if (stat_rc != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return fail(
        Errc::kIo,
        path.string() + (stat_rc != 0 ? ": cannot stat: " + std::string(std::strerror(stat_errno))
                                      : " is not a regular file"));
  }
  const auto size = static_cast<std::size_t>(st.st_size);
  if (size > max_bytes) {
    ::close(fd);
    return fail(Errc::kIo,
                path.string() + " is larger than " + std::to_string(max_bytes) + " bytes");
  }
  if (size == 0) {
    ::close(fd);
    return MappedFile(nullptr, 0, -1);
  }
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  const int map_errno = errno;
  if (map == MAP_FAILED) {
    ::close(fd);
    return fail(Errc::kIo, "cannot map " + path.string() + ": " + std::strerror(map_errno));
  }
  const auto* data = static_cast<const std::uint8_t*>(map);
  register_mapping({data, size, fd});
  return MappedFile(data, size, fd);
}

void MappedFile::release() noexcept {
  if (data_ != nullptr) {
    unregister_mapping(data_);
    ::munmap(const_cast<std::uint8_t*>(data_), size_);
  }
  if (fd_ >= 0) ::close(fd_);
  data_ = nullptr;
  size_ = 0;
  fd_ = -1;
}

MappedFile::MappedFile(MappedFile&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      fd_(std::exchange(other.fd_, -1)) {}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    release();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

MappedFile::~MappedFile() { release(); }

}  // namespace signet
