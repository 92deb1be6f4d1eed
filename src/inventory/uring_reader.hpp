// Reads many files at once through one io_uring (the default `--io auto` engine of a scan). Each
// slot holds one file: opened on the calling thread (fstat'ed once it is not read from the page
// cache; until then the listing's lstat stands in, which the fstat after the read checks), then
// read by that thread when the page cache holds it (page_cache_holds(); preadv2 RWF_NOWAIT, no
// waiting), with buffered reads queued on the ring when it holds most of it (the cache fetches
// the missing pages), else from the disk with O_DIRECT reads queued on the ring, two per file in
// flight (the disk fetches a file's next chunk while the thread hashes the last one). One
// io_uring_enter submits the reads of many files, so the disk sees a deep queue and the kernel
// kicks the virtual disk once per batch, not once per file; the calling thread hashes whatever
// completed meanwhile, in file order. On the 2-core VM a cold scan of /usr took 10-12 s instead of
// 14-19 s with 16 threads of blocking reads; the second read per file in flight took another 4 %
// off it (bench/README.md).
//
// The thread hashes two files' chunks at a time, whichever two are at hand, cached or landed
// (crypto::Sha256Stream::update_pair): a warm scan of /usr is bound by the CPU, and half of that
// was SHA-256. Warm, 5.4-6.2 s instead of 6.5-7.2 s; cold, 8.4-9.8 s instead of 9.6-11.0 s.
//
// Descriptors are closed through the ring as well, with the next batch. On the 2-core VM, with
// the probe skipped for small files while the tree keeps turning out cached (begin()), that made a
// warm scan of /usr 4.9-5.6 s instead of 5.2-6.1 s.
//
// A file whose whole content is kept for its format unit (FileRead::keeping()) is read to its
// end by the calling thread with blocking reads, so each thread holds at most one such file.
// Not thread-safe: one RingReader per worker thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "inventory/content_reader.hpp"

struct io_uring_sqe;

namespace signet::inventory {

class RingReader {
 public:
  // Fails (kUnsupported, with the kernel's reason) where io_uring is not available: an old kernel,
  // kernel.io_uring_disabled, a seccomp profile that forbids it. The caller then reads with
  // threads.
  [[nodiscard]] static Result<std::unique_ptr<RingReader>> create(
      unsigned slots, std::size_t chunk_bytes,
      crypto::Sha256Engine engine = crypto::sha256_engine());
  ~RingReader();
  RingReader(const RingReader&) = delete;
  RingReader& operator=(const RingReader&) = delete;

  [[nodiscard]] bool has_room() const noexcept { return !broken_ && busy_ < slots_.size(); }
  // The ring failed (not seen in practice): what it was reading was reported as unreadable, and
  // the caller reads the rest another way.
  [[nodiscard]] bool broken() const noexcept { return broken_; }
  // Test seam: the ring fails as if io_uring_enter had refused (the next wait() settles the busy
  // files with `reason`).
  void break_for_test(std::string reason) {
    broken_ = true;
    broken_reason_ = std::move(reason);
  }
  [[nodiscard]] unsigned busy() const noexcept { return busy_; }
  [[nodiscard]] unsigned slots() const noexcept { return static_cast<unsigned>(slots_.size()); }
  // Bytes hashed two files at a time, of both files, since the reader was made.
  [[nodiscard]] std::uint64_t paired_bytes() const noexcept { return paired_bytes_; }
  // Files begun without asking whether the page cache holds them (the cache held every file of
  // a long run before them), since the reader was made.
  [[nodiscard]] std::uint64_t unprobed_files() const noexcept { return unprobed_files_; }

  // Starts reading a file. Settled at once (it cannot be opened, or is not a regular file): the
  // result.
  // Otherwise nullopt, and the file's slot number, which a later wait() reports with the result.
  // `request` (and the name it points to) must stay valid until then.
  [[nodiscard]] std::optional<ContentRead> start(const ReadRequest& request, unsigned& slot);

  // Reads the files the page cache holds (pump()), submits what is queued, waits for the ring
  // when the pump had nothing to read, and reports every settled file as done(slot, result).
  // Needs busy() > 0.
  void wait(const std::function<void(unsigned, ContentRead&&)>& done);

 private:
  struct Slot;
  struct Ring;
  RingReader(std::unique_ptr<Ring> ring, std::vector<std::unique_ptr<Slot>> slots);

  // Opens the file and decides how it is read: from the page cache by pump(), or through the
  // ring (the reads are queued by the caller); true when the file is settled already.
  bool begin(Slot& slot);
  // Reads the files the page cache holds, a chunk at a time, until only the file whose chunk
  // waits to be hashed is left; whether it read anything.
  bool pump(const std::function<void(unsigned, ContentRead&&)>& done);
  enum class Step { kGoing, kSettled };
  // Reads and hashes the next chunk of a cached file (or sends it to the ring, when the cache no
  // longer holds the rest).
  Step read_cached(Slot& slot);
  // Hashes n bytes of the slot's buffer from `at`: beside the chunks of another file waiting to
  // be hashed, as far as they go (crypto::Sha256Stream::update_pair). What is left of either
  // waits for the next chunk of another file. One file's chunks wait at a time, at most two (its
  // two buffers: two reads of a file often land together). A buffer is not read into while its
  // bytes wait, and a file is settled only once its last byte is hashed.
  void hash(Slot& slot, unsigned buffer, std::size_t at, std::size_t n);
  // The slot's waiting chunks, hashed alone.
  void hash_alone(Slot& slot);
  // The slot's waiting bytes were hashed: it reads on, or is ready to settle.
  void hashed(Slot& slot);
  // Hashes the waiting chunks alone: nothing else will come to pair with them.
  void flush_waiting();
  // settle() now, or once the slot's waiting bytes are hashed (then false for now).
  bool settle_once_hashed(Slot& slot);
  // Settles the slots whose last bytes were hashed, and reports those settled.
  void report_ready(const std::function<void(unsigned, ContentRead&&)>& done);
  // The file is unreadable: its digest and its waiting bytes are dropped.
  void drop(Slot& slot, std::string reason);
  void set_cached(Slot& slot, bool cached);
  // Reads what is left with blocking reads (kept content); true when settled.
  bool read_rest_blocking(Slot& slot);
  // Queues the reads of the slot's next chunks: up to two in flight.
  void queue_reads(Slot& slot);
  // An entry of the submission queue (what is queued is submitted first when it is full); null
  // only when that failed too.
  io_uring_sqe* free_sqe();
  // Queues the read held in the slot's reads[at] (again, after EINTR/EAGAIN).
  void submit_read(Slot& slot, unsigned at);
  // The read into `buffer` completed with `res` (bytes, or -errno); true when the file is settled.
  bool completed(Slot& slot, unsigned buffer, int res);
  // The file is read: checks it and settles it, or starts the next attempt; true when settled.
  bool settle(Slot& slot);
  // Closes the slot's descriptor: through the ring where the kernel can skip the completion of a
  // close that succeeded, else at once.
  void close_file(Slot& slot);
  // A broken ring: the closes queued on it and never submitted are made at once.
  void close_unsubmitted();
  // Frees a settled file's slot and hands over its result.
  ContentRead release(Slot& slot);

  std::unique_ptr<Ring> ring_;
  std::vector<std::unique_ptr<Slot>> slots_;
  unsigned busy_ = 0;
  unsigned queued_ = 0;       // reads queued or in flight
  unsigned cached_ = 0;       // slots that pump() reads
  Slot* waiting_ = nullptr;   // the slot whose chunks wait to be hashed
  std::vector<Slot*> ready_;  // hashed to their end: to settle
  std::uint64_t paired_bytes_ = 0;
  std::uint64_t unprobed_files_ = 0;
  unsigned cached_streak_ = 0;  // files probed in a row that the page cache held whole
  std::vector<std::pair<unsigned, int>> landed_;  // wait(): (2 * slot + buffer, result)
  bool broken_ = false;
  std::string broken_reason_;
};

}  // namespace signet::inventory
