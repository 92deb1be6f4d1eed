// Reads one file for the inventory: opened relative to its directory's descriptor (O_NOFOLLOW,
// O_NOATIME where permitted), read front to back in large chunks (posix_fadvise SEQUENTIAL) into
// SHA-256, with its first and last bytes kept for kind detection and — for files that may carry a
// signature — the whole content for the format unit. The metadata recorded is fstat's of the
// descriptor that was read, so a file replaced between the listing and the open is recorded as
// what was actually hashed; a file that changes while it is read is read again, then reported.
// One reader per worker thread (it owns the buffer and the digest).
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/hex.hpp"
#include "crypto/digest.hpp"
#include "crypto/sha256_lanes.hpp"
#include "inventory/unique_fd.hpp"

namespace signet::inventory {

inline constexpr std::size_t kDirectAlign = 4096;
// A file that changed while it was read is read once more, then reported.
inline constexpr int kReadAttempts = 2;

// How much of the first `size` bytes of `fd` the page cache holds, found without reading:
// cachestat(2) (Linux 6.5 on), else mincore(2) on a mapping of at most the first 64 MiB. A probing
// read would not do: even with RWF_NOWAIT it starts readahead of the very pages that an O_DIRECT
// read then fetches a second time. kMost: at least 9 pages in 10 but not all, as when the kernel
// has dropped some pages of a large file (never from mincore(2) of only the front of a file). Such
// a file is read through the page cache (the few missing pages come from the disk into it): reading
// it whole again with O_DIRECT would fetch from the disk what memory holds. kUnknown: neither call
// is possible here.
enum class Cached { kAll, kMost, kNotAll, kUnknown };
// (`use_cachestat` false: mincore(2) only, as on kernels before 6.5; for the tests.)
[[nodiscard]] Cached page_cache_holds(int fd, std::uint64_t size, bool use_cachestat = true);

// A heap buffer aligned for O_DIRECT (kDirectAlign), its size rounded up to that alignment.
class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  explicit AlignedBuffer(std::size_t bytes)
      : size_((bytes + kDirectAlign - 1) / kDirectAlign * kDirectAlign),
        data_(static_cast<std::uint8_t*>(std::aligned_alloc(kDirectAlign, size_))) {
    if (!data_) size_ = 0;
  }
  [[nodiscard]] std::uint8_t* data() const noexcept { return data_.get(); }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }

 private:
  struct Free {
    void operator()(std::uint8_t* p) const noexcept { std::free(p); }
  };
  std::size_t size_ = 0;
  std::unique_ptr<std::uint8_t, Free> data_;
};

struct ContentRead {
  struct stat st {};  // of what was read
  std::string sha256;
  Bytes head;     // first kHeadBytes (or the whole file)
  Bytes tail;     // last kTailBytes
  Bytes content;  // the whole file when kept
  bool content_complete = false;
  std::uint64_t bytes_read = 0;  // by every attempt
  // Set instead of the digest when the file could not be read consistently.
  std::string error;
  bool vanished = false;
};

struct ReadRequest {
  int dirfd = -1;
  const std::string* name = nullptr;  // relative to dirfd
  bool keep_content = false;  // keep the bytes whatever they are (a separate signature exists)
  std::uint64_t max_content_bytes = 0;  // never keep more than this
  // The walk's lstat of the name (RingReader only): lets FileRead::open(request, true) skip the
  // fstat of a file that is then read from the page cache; must outlive the read.
  const struct stat* listed = nullptr;
};

// One attempt at one file: opened, then fed its bytes in file order by whichever reader fetches
// them (ContentReader below, or RingReader in uring_reader.hpp), then checked and finished.
class FileRead {
 public:
  // Opens and fstats the file; false when that already settled it (out().error/vanished set).
  // With `trust_listing` (and request.listed set), no fstat: the size and metadata are the
  // listing's until verify() or finish() asks the descriptor. finish() compares the descriptor's
  // state after the read with the listing's, so a file replaced or changed since it was listed
  // fails the attempt (and the next one fstats). Only for reads that cannot block: a name
  // replaced by a FIFO or a device opens (O_NONBLOCK) but is not read before verify() says so.
  bool open(const ReadRequest& request, bool trust_listing = false);
  // The descriptor's fstat, when open() trusted the listing: false (out().error set) when it is
  // not a regular file, or cannot be stat'ed. Then the size and metadata are the descriptor's.
  bool verify();
  // The next bytes of the file, in order: digest, head, tail and (when kept) content.
  void take(std::span<const std::uint8_t> chunk, crypto::Sha256Stream& digest);
  // Everything take() does but the digest, which the caller updates itself (RingReader hashes
  // the chunks of two files together).
  void keep(std::span<const std::uint8_t> chunk);
  // Every byte fstat promised has been taken (a file that grew has more: finish() says so).
  [[nodiscard]] bool complete() const noexcept { return total_ >= size_; }
  // Whether the whole content is being kept (known after the first chunk).
  [[nodiscard]] bool keeping() const noexcept { return keep_; }
  // Finishes the digest; false when the file changed while it was read (`out().error` is set).
  bool finish(crypto::Sha256Stream& digest);
  // Abandons the file after a read error (the digest is reset for the next file).
  void fail(std::string error, crypto::Sha256Stream& digest);
  // Turns O_DIRECT on when `direct` and the filesystem allows it, off otherwise; with `blocking`
  // also clears O_NONBLOCK (io_uring hands EAGAIN back for an O_NONBLOCK descriptor instead of
  // waiting for the disk; the file is known to be regular by then). Returns whether O_DIRECT is
  // on. One F_SETFL: the flags the descriptor was opened with are known here.
  bool set_read_mode(bool direct, bool blocking = false);

  [[nodiscard]] int fd() const noexcept { return fd_.get(); }
  // The descriptor, for the caller to close (RingReader closes through its ring); the destructor
  // closes it otherwise.
  [[nodiscard]] int release_fd() noexcept { return fd_.release(); }
  [[nodiscard]] std::uint64_t taken() const noexcept { return total_; }
  [[nodiscard]] std::uint64_t size() const noexcept { return size_; }
  [[nodiscard]] ContentRead& out() noexcept { return out_; }

 private:
  // fstat of the descriptor into out_.st and size_; false (out_.error set) unless a regular file.
  bool stat_descriptor();

  UniqueFd fd_;
  bool noatime_ = false;  // opened with O_NOATIME, which F_SETFL must keep
  ContentRead out_;
  std::uint64_t size_ = 0;
  std::uint64_t total_ = 0;
  std::uint64_t max_content_ = 0;
  bool keep_requested_ = false;
  bool keep_ = false;
  bool unverified_ = false;  // out_.st is the listing's, not the descriptor's
};

// Reads one file at a time with blocking reads on the calling thread (the `--io threads` engine,
// and the fallback where io_uring is not available).
class ContentReader {
 public:
  [[nodiscard]] static Result<ContentReader> create(
      std::size_t buffer_bytes, crypto::Sha256Engine engine = crypto::sha256_engine());

  // Up to two attempts: a file that changed while being read is read once more.
  [[nodiscard]] ContentRead read(const ReadRequest& request);

 private:
  ContentReader(crypto::Sha256Stream digest, std::size_t buffer_bytes);
  // Reads into buffer_ (O_DIRECT once the file turned out not to be cached).
  ssize_t read_chunk(FileRead& file, bool first, bool& direct);
  // One attempt; false when the file changed meanwhile (`out` then holds the error).
  bool read_once(const ReadRequest& request, ContentRead& out);

  crypto::Sha256Stream digest_;
  AlignedBuffer buffer_;
};

}  // namespace signet::inventory
