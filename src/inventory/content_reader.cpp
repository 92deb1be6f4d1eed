#include "inventory/content_reader.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "inventory/file_kind.hpp"

namespace signet::inventory {
namespace {

constexpr int kOpenFlags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY;
constexpr std::uint64_t kFadviseFrom = 256 * 1024;
// ContentReader reads files from this size on with O_DIRECT when the page cache does not hold
// them (a cold scan; the ring engine does so at any size): the disk's DMA fills our buffer, and the
// kernel neither allocates page-cache pages nor copies out of them. On the VMs measured that read
// large cold files 1.3-1.6x faster, and a scan no longer evicts what the plant's own programs keep
// cached. Cached files are read as usual.
constexpr std::uint64_t kDirectFrom = 16 << 10;

// cachestat(2): Linux 6.5 on; Debian 12's headers predate it.
constexpr long kSysCachestat = 451;
struct CachestatRange {
  std::uint64_t off;
  std::uint64_t len;
};
struct Cachestat {
  std::uint64_t nr_cache, nr_dirty, nr_writeback, nr_evicted, nr_recently_evicted;
};
std::atomic<bool> g_cachestat_available{true};
constexpr std::uint64_t kMincoreBytes = std::uint64_t{64} << 20;

// O_NOATIME is refused (EPERM) on files the caller does not own unless it has CAP_FOWNER; after
// the first refusal the scan stops asking, process-wide.
std::atomic<bool> g_noatime_permitted{true};

UniqueFd open_file(int dirfd, const std::string& name, int& err, bool& noatime) {
  noatime = false;
  if (g_noatime_permitted.load(std::memory_order_relaxed)) {
    const int fd = ::openat(dirfd, name.c_str(), kOpenFlags | O_NOATIME);
    noatime = fd >= 0;
    if (fd >= 0) return UniqueFd(fd);
    if (errno != EPERM) {
      err = errno;
      return UniqueFd();
    }
    g_noatime_permitted.store(false, std::memory_order_relaxed);
  }
  const int fd = ::openat(dirfd, name.c_str(), kOpenFlags);
  err = fd < 0 ? errno : 0;
  return UniqueFd(fd);
}

bool same_content_state(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino && a.st_size == b.st_size &&
         a.st_mtim.tv_sec == b.st_mtim.tv_sec && a.st_mtim.tv_nsec == b.st_mtim.tv_nsec &&
         a.st_ctim.tv_sec == b.st_ctim.tv_sec && a.st_ctim.tv_nsec == b.st_ctim.tv_nsec;
}

}  // namespace

Cached page_cache_holds(int fd, std::uint64_t size, bool use_cachestat) {
  if (size == 0) return Cached::kAll;
  const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  const auto verdict = [](std::uint64_t cached, std::uint64_t pages) {
    if (cached >= pages) return Cached::kAll;
    return cached * 10 >= pages * 9 ? Cached::kMost : Cached::kNotAll;
  };
  if (use_cachestat && g_cachestat_available.load(std::memory_order_relaxed)) {
    CachestatRange range{0, size};
    Cachestat stat{};
    if (::syscall(kSysCachestat, fd, &range, &stat, 0) == 0) {
      return verdict(stat.nr_cache, (size + page - 1) / page);
    }
    if (errno != ENOSYS) return Cached::kUnknown;
    g_cachestat_available.store(false, std::memory_order_relaxed);
  }
  const std::uint64_t length = std::min(size, kMincoreBytes);
  void* map = ::mmap(nullptr, length, PROT_READ, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) return Cached::kUnknown;
  std::vector<unsigned char> resident((length + page - 1) / page);
  const int rc = ::mincore(map, length, resident.data());
  ::munmap(map, length);
  if (rc != 0) return Cached::kUnknown;
  const auto cached = static_cast<std::uint64_t>(std::count_if(
      resident.begin(), resident.end(), [](unsigned char r) { return (r & 1) != 0; }));
  // Only the front of a larger file was seen: never kMost, which would read the unseen rest
  // through the cache (the preadv2 path turns to O_DIRECT where the cache ends).
  if (length < size) return cached == resident.size() ? Cached::kAll : Cached::kNotAll;
  return verdict(cached, resident.size());
}

bool FileRead::open(const ReadRequest& request, bool trust_listing) {
  int err = 0;
  fd_ = open_file(request.dirfd, *request.name, err, noatime_);
  if (!fd_.valid()) {
    out_.vanished = err == ENOENT;
    out_.error = err == ELOOP ? "replaced by a symlink during the scan"
                              : "cannot open: " + std::string(std::strerror(err));
    return false;
  }
  keep_requested_ = request.keep_content;
  max_content_ = request.max_content_bytes;
  if (trust_listing && request.listed != nullptr && S_ISREG(request.listed->st_mode)) {
    out_.st = *request.listed;
    size_ = static_cast<std::uint64_t>(out_.st.st_size);
    unverified_ = true;
    return true;
  }
  return stat_descriptor();
}

bool FileRead::verify() {
  if (!unverified_) return true;
  unverified_ = false;
  return stat_descriptor();
}

bool FileRead::stat_descriptor() {
  if (::fstat(fd_.get(), &out_.st) != 0) {
    out_.error = "cannot stat: " + std::string(std::strerror(errno));
    return false;
  }
  if (!S_ISREG(out_.st.st_mode)) {
    out_.error = "no longer a regular file";
    return false;
  }
  size_ = static_cast<std::uint64_t>(out_.st.st_size);
  return true;
}

void FileRead::take(std::span<const std::uint8_t> chunk, crypto::Sha256Stream& digest) {
  if (chunk.empty()) return;
  digest.update(chunk);
  keep(chunk);
}

void FileRead::keep(std::span<const std::uint8_t> chunk) {
  if (chunk.empty()) return;
  if (total_ == 0) {
    out_.head.assign(chunk.begin(),
                     chunk.begin() + static_cast<long>(std::min(chunk.size(), kHeadBytes)));
    keep_ = (keep_requested_ || may_embed_signature(out_.head)) && size_ <= max_content_;
    if (keep_) out_.content.reserve(static_cast<std::size_t>(size_));
  } else if (out_.head.size() < kHeadBytes) {  // short first read
    const std::size_t more = std::min(chunk.size(), kHeadBytes - out_.head.size());
    out_.head.insert(out_.head.end(), chunk.begin(), chunk.begin() + static_cast<long>(more));
  }
  if (keep_) {
    if (out_.content.size() + chunk.size() > max_content_) {
      keep_ = false;  // it grew past the limit: finish() sees the change
      out_.content.clear();
      out_.content.shrink_to_fit();
    } else {
      out_.content.insert(out_.content.end(), chunk.begin(), chunk.end());
    }
  }
  if (chunk.size() >= kTailBytes) {
    out_.tail.assign(chunk.end() - static_cast<long>(kTailBytes), chunk.end());
  } else {
    out_.tail.insert(out_.tail.end(), chunk.begin(), chunk.end());
    if (out_.tail.size() > kTailBytes) {
      out_.tail.erase(out_.tail.begin(),
                      out_.tail.begin() + static_cast<long>(out_.tail.size() - kTailBytes));
    }
  }
  total_ += chunk.size();
  out_.bytes_read += chunk.size();
}

bool FileRead::finish(crypto::Sha256Stream& digest) {
  const Bytes sha256 = digest.finish();
  struct stat after {};
  if (::fstat(fd_.get(), &after) != 0 || !same_content_state(out_.st, after) || total_ != size_ ||
      !S_ISREG(after.st_mode)) {
    out_.error = "changed while being read";
    return false;
  }
  // The descriptor's: equal to what the read began with in everything compared, and (where the
  // listing stood in for the first fstat) the file's own mode, owner and times.
  out_.st = after;
  unverified_ = false;
  out_.sha256 = to_hex(sha256);
  out_.content_complete = keep_;
  if (!keep_) out_.content.clear();
  return true;
}

void FileRead::fail(std::string error, crypto::Sha256Stream& digest) {
  (void)digest.finish();  // reset for the next file
  // A read that failed on a descriptor whose type was taken from the listing: say what it is.
  if (unverified_ && !verify()) error = out_.error;
  out_.error = std::move(error);
  out_.content.clear();
}

ContentReader::ContentReader(crypto::Sha256Stream digest, std::size_t buffer_bytes)
    : digest_(std::move(digest)), buffer_(buffer_bytes) {}

Result<ContentReader> ContentReader::create(std::size_t buffer_bytes, crypto::Sha256Engine engine) {
  auto digest = crypto::Sha256Stream::create(engine);
  if (!digest) return std::unexpected(digest.error());
  ContentReader reader(std::move(*digest), std::max<std::size_t>(buffer_bytes, kHeadBytes));
  if (reader.buffer_.data() == nullptr) return fail(Errc::kIo, "cannot allocate a read buffer");
  return reader;
}

ssize_t ContentReader::read_chunk(FileRead& file, bool first, bool& direct) {
  const int fd = file.fd();
  if (first && !direct) {
    // From the page cache only (RWF_NOWAIT): EAGAIN means the file is not cached.
    struct iovec iov {
      buffer_.data(), buffer_.size()
    };
    const ssize_t n = ::preadv2(fd, &iov, 1, -1, RWF_NOWAIT);
    if (n >= 0 || (errno != EAGAIN && errno != EOPNOTSUPP)) return n;
    if (errno == EAGAIN) direct = file.set_read_mode(true);
  }
  ssize_t n = ::read(fd, buffer_.data(), buffer_.size());
  if (n < 0 && direct && errno == EINVAL) {  // the filesystem refused an O_DIRECT read after all
    direct = file.set_read_mode(false);
    if (!direct) n = ::read(fd, buffer_.data(), buffer_.size());
  }
  return n;
}

ContentRead ContentReader::read(const ReadRequest& request) {
  ContentRead out;
  std::uint64_t bytes = 0;
  for (int attempt = 0; attempt < kReadAttempts; ++attempt) {
    out = ContentRead{};
    const bool settled = read_once(request, out);
    bytes += out.bytes_read;
    out.bytes_read = bytes;
    if (settled || out.vanished) return out;
  }
  return out;
}

bool ContentReader::read_once(const ReadRequest& request, ContentRead& out) {
  FileRead file;
  if (!file.open(request)) {
    out = std::move(file.out());
    return true;  // final: nothing to retry
  }
  if (file.size() >= kFadviseFrom) {
    (void)::posix_fadvise(file.fd(), 0, 0, POSIX_FADV_SEQUENTIAL);
  }
  bool direct = false;
  const Cached cached =
      file.size() >= kDirectFrom ? page_cache_holds(file.fd(), file.size()) : Cached::kAll;
  if (cached == Cached::kNotAll) direct = file.set_read_mode(true);
  while (!file.complete()) {
    // The first read of a file that should be cached only asks the page cache (RWF_NOWAIT), and
    // turns to O_DIRECT when it is not. A file mostly cached is read through the cache throughout.
    const bool first = file.taken() == 0 && file.size() >= kDirectFrom && cached != Cached::kMost;
    const ssize_t n = first || direct ? read_chunk(file, first, direct)
                                      : ::read(file.fd(), buffer_.data(), buffer_.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      file.fail("read error: " + std::string(std::strerror(errno)), digest_);
      out = std::move(file.out());
      return true;
    }
    if (n == 0) break;
    file.take({buffer_.data(), static_cast<std::size_t>(n)}, digest_);
  }
  const bool settled = file.finish(digest_);
  out = std::move(file.out());
  return settled;
}

bool FileRead::set_read_mode(bool direct, bool blocking) {
  // Of the flags F_SETFL sets, the descriptor was opened with O_NONBLOCK and perhaps O_NOATIME.
  const int base = (blocking ? 0 : O_NONBLOCK) | (noatime_ ? O_NOATIME : 0);
  if (direct && ::fcntl(fd_.get(), F_SETFL, base | O_DIRECT) == 0) return true;
  (void)::fcntl(fd_.get(), F_SETFL, base);  // EINVAL above: no O_DIRECT on this filesystem
  return false;
}

}  // namespace signet::inventory
