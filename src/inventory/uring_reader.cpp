#include "inventory/uring_reader.hpp"

#include <fcntl.h>
#include <liburing.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "inventory/file_kind.hpp"

namespace signet::inventory {

struct RingReader::Ring {
  io_uring ring{};
  bool set_up = false;
  bool registered = false;  // the slots' buffers, slot i's buffer b at index 2 * i + b
  // Descriptors are closed through the ring, with no completion unless the close fails
  // (IOSQE_CQE_SKIP_SUCCESS, Linux 5.17 on): one io_uring_enter per batch instead of a close(2)
  // per file.
  bool close_on_ring = false;
  ~Ring() {
    if (set_up) io_uring_queue_exit(&ring);
  }
};

struct RingReader::Slot {
  Slot(unsigned i, crypto::Sha256Stream d, std::size_t chunk_bytes)
      : index(i),
        digest(std::move(d)),
        buffers{AlignedBuffer(chunk_bytes), AlignedBuffer(chunk_bytes)} {}
  // One read of the file, queued or in flight, into one of the slot's buffers.
  struct Read {
    unsigned buffer = 0;
    std::uint64_t from = 0;  // file offset read from (block-aligned for O_DIRECT)
    std::size_t skip = 0;    // leading bytes already taken (a read that had to start earlier)
    unsigned want = 0;
    bool landed = false;
    int res = 0;
  };
  // Why no more reads are queued until the ones in flight have landed (and are dropped).
  enum class Hold { kNone, kEnd, kRestart, kBuffered, kFailed };

  unsigned index;
  crypto::Sha256Stream digest;
  std::array<AlignedBuffer, 2> buffers;  // two reads of one file in flight at once
  ReadRequest request;
  FileRead file;
  int attempt = 0;
  std::uint64_t bytes = 0;  // read by the earlier attempts
  bool direct = false;      // the descriptor is in O_DIRECT mode
  bool cached = false;      // read from the page cache by pump()
  bool probed = false;      // page_cache_holds() was asked
  // Bytes taken but not hashed yet (the reader's waiting chunks), in file order: at most one per
  // buffer.
  struct Unhashed {
    unsigned buffer = 0;
    std::size_t at = 0;
    std::size_t n = 0;
  };
  std::array<Unhashed, 2> unhashed{};
  unsigned unhashed_count = 0;
  [[nodiscard]] bool holds_unhashed(unsigned b) const {
    return (unhashed_count > 0 && unhashed[0].buffer == b) ||
           (unhashed_count > 1 && unhashed[1].buffer == b);
  }
  bool settle_when_hashed = false;  // every byte is taken: settled once they are hashed
  int retries = 0;                  // reads that came back EINTR/EAGAIN
  std::array<Read, 2> reads{};      // in file order from `first`, `count` of them
  unsigned first = 0;
  unsigned count = 0;
  std::uint64_t next = 0;  // where the next read queued starts taking bytes
  Hold hold = Hold::kNone;

  Read& front() { return reads[first]; }
  void pop() {
    first = (first + 1) % 2;
    --count;
  }
};

namespace {

// The user data of a close queued on the ring (a read's is 2 * slot + buffer).
constexpr std::uint64_t kCloseData = ~std::uint64_t{0};
constexpr int kMaxRetries = 100;  // then the file is reported unreadable with the error
// After this many files in a row that the page cache held whole, small files are no longer
// probed (begin()).
constexpr unsigned kTrustCacheAfter = 32;

// Where the read of the bytes from `offset` on starts: O_DIRECT reads start on a block boundary
// (the bytes before `offset` are skipped when the read lands).
std::uint64_t read_start(std::uint64_t offset, bool direct) {
  return direct ? offset / kDirectAlign * kDirectAlign : offset;
}

}  // namespace

Result<std::unique_ptr<RingReader>> RingReader::create(unsigned slots, std::size_t chunk_bytes,
                                                       crypto::Sha256Engine engine) {
  slots = std::max(slots, 1u);
  auto ring = std::make_unique<Ring>();
  // COOP_TASKRUN: a completion waits for this thread's next io_uring_enter (wait() makes one)
  // instead of interrupting it with an IPI; on the 2-core VM a cold scan of /usr took 9,200
  // reschedule IPIs instead of 16,500. Linux 5.19 on; older kernels refuse it (EINVAL).
  // Room for two reads and a close per slot.
  int rc = io_uring_queue_init(3 * slots, &ring->ring, IORING_SETUP_COOP_TASKRUN);
  if (rc == -EINVAL) rc = io_uring_queue_init(3 * slots, &ring->ring, 0);
  if (rc < 0) {
    return fail(Errc::kUnsupported, "io_uring is not available: " + errno_text(-rc));
  }
  ring->set_up = true;
  ring->close_on_ring = (ring->ring.features & IORING_FEAT_CQE_SKIP) != 0;
  std::vector<std::unique_ptr<Slot>> made;
  for (unsigned i = 0; i < slots; ++i) {
    auto digest = crypto::Sha256Stream::create(engine);
    if (!digest) return std::unexpected(digest.error());
    made.push_back(std::make_unique<Slot>(i, std::move(*digest),
                                          std::max<std::size_t>(chunk_bytes, kHeadBytes)));
    for (const auto& buffer : made.back()->buffers) {
      if (buffer.data() == nullptr) return fail(Errc::kIo, "cannot allocate a read buffer");
    }
  }
  // Registered buffers: the kernel pins them once, not at every read. Refused (RLIMIT_MEMLOCK
  // for an unprivileged user): plain reads, which pin per read.
  std::vector<iovec> buffers;
  for (const auto& slot : made) {  // registered index: 2 * slot + buffer
    for (const auto& buffer : slot->buffers) buffers.push_back({buffer.data(), buffer.size()});
  }
  ring->registered = io_uring_register_buffers(&ring->ring, buffers.data(),
                                               static_cast<unsigned>(buffers.size())) == 0;
  return std::unique_ptr<RingReader>(new RingReader(std::move(ring), std::move(made)));
}

RingReader::RingReader(std::unique_ptr<Ring> ring, std::vector<std::unique_ptr<Slot>> slots)
    : ring_(std::move(ring)), slots_(std::move(slots)) {}

RingReader::~RingReader() {
  // What is queued goes in (closes among it: their descriptors are not lost); then the reads in
  // flight, which write into the slots' buffers, land before the buffers go. A broken ring
  // submits nothing more (a queued read may name a descriptor closed since): its queued closes
  // are made here, and its queued reads never land.
  if (broken_ || io_uring_submit(&ring_->ring) < 0) close_unsubmitted();
  unsigned in_flight = queued_ - std::min(queued_, io_uring_sq_ready(&ring_->ring));
  while (in_flight > 0) {
    io_uring_cqe* cqe = nullptr;
    const int rc = io_uring_wait_cqe(&ring_->ring, &cqe);
    if (rc == -EINTR) continue;
    if (rc < 0) break;
    unsigned head = 0;
    unsigned seen = 0;
    unsigned reads = 0;
    io_uring_for_each_cqe(&ring_->ring, head, cqe) {
      ++seen;
      if (io_uring_cqe_get_data64(cqe) != kCloseData) ++reads;
    }
    io_uring_cq_advance(&ring_->ring, seen);
    in_flight -= std::min(in_flight, reads);
  }
  ring_.reset();
}

std::optional<ContentRead> RingReader::start(const ReadRequest& request, unsigned& slot) {
  unsigned index = 0;
  while (index < slots_.size() && slots_[index]->request.name != nullptr) ++index;
  if (index == slots_.size()) {  // no room: the caller did not ask has_room()
    ContentRead out;
    out.error = "internal: no free read slot";
    return out;
  }
  Slot& s = *slots_[index];
  s.request = request;
  s.attempt = 0;
  s.bytes = 0;
  ++busy_;
  if (begin(s)) return release(s);
  if (!s.cached) queue_reads(s);
  slot = index;
  return std::nullopt;
}

bool RingReader::begin(Slot& s) {
  s.file = FileRead{};
  s.direct = false;
  s.retries = 0;
  s.first = s.count = 0;
  s.hold = Slot::Hold::kNone;
  s.settle_when_hashed = false;
  s.unhashed_count = 0;
  // The first attempt takes the size and metadata from the listing (no fstat) as long as the
  // file is read from the page cache, which cannot block; finish() checks them.
  if (!s.file.open(s.request, s.attempt == 0)) return true;
  // While files keep turning out cached, a small one is not probed: pump() asks the page cache
  // for it (RWF_NOWAIT), and one that is not there after all goes to the ring (read_cached()).
  s.probed = !(cached_streak_ >= kTrustCacheAfter && s.file.size() <= s.buffers[0].size());
  const Cached held = s.probed ? page_cache_holds(s.file.fd(), s.file.size()) : Cached::kAll;
  if (s.probed) {
    cached_streak_ = held == Cached::kAll ? cached_streak_ + 1 : 0;
  } else {
    ++unprobed_files_;
  }
  if (held == Cached::kAll) {
    set_cached(s, true);  // from the page cache as far as it holds the file: pump()
    return false;
  }
  // Through the ring, with blocking reads: only once the descriptor is known to be a regular file.
  if (!s.file.verify()) return true;
  switch (held) {
    case Cached::kNotAll:
      s.direct = s.file.set_read_mode(true, true);  // from the disk, through the ring
      return false;
    case Cached::kMost:  // through the ring and the page cache, which reads the missing pages
      s.direct = s.file.set_read_mode(false, true);
      return false;
    case Cached::kAll:
    case Cached::kUnknown:
      break;
  }
  set_cached(s, true);  // kUnknown: from the page cache as far as it holds the file
  return false;
}

void RingReader::set_cached(Slot& s, bool cached) {
  if (s.cached == cached) return;
  s.cached = cached;
  if (cached) {
    ++cached_;
  } else {
    --cached_;
  }
}

void RingReader::hash(Slot& s, unsigned buffer, std::size_t at, std::size_t n) {
  // Beside the waiting chunks of another file, as far as they go.
  while (n > 0 && waiting_ != nullptr && waiting_ != &s) {
    Slot& w = *waiting_;
    Slot::Unhashed& front = w.unhashed[0];
    const std::size_t both = std::min(n, front.n);
    crypto::Sha256Stream::update_pair(w.digest, {w.buffers[front.buffer].data() + front.at, both},
                                      s.digest, {s.buffers[buffer].data() + at, both});
    paired_bytes_ += 2 * both;
    front.at += both;
    front.n -= both;
    at += both;
    n -= both;
    if (front.n > 0) break;
    w.unhashed[0] = w.unhashed[1];
    if (--w.unhashed_count == 0) {
      waiting_ = nullptr;
      hashed(w);
    } else if (!w.cached && !w.settle_when_hashed) {
      queue_reads(w);  // the buffer just hashed is free again
    }
  }
  if (n == 0) return;
  // What is left waits (after the file's own earlier chunk, when that waits too: the other
  // buffer).
  waiting_ = &s;
  s.unhashed[s.unhashed_count++] = {buffer, at, n};
}

void RingReader::hash_alone(Slot& s) {
  for (unsigned i = 0; i < s.unhashed_count; ++i) {
    const Slot::Unhashed& u = s.unhashed[i];
    s.digest.update({s.buffers[u.buffer].data() + u.at, u.n});
  }
  s.unhashed_count = 0;
  waiting_ = nullptr;
}

void RingReader::hashed(Slot& s) {
  if (s.settle_when_hashed) {
    ready_.push_back(&s);
  } else if (!s.cached) {
    queue_reads(s);  // its buffer is free again
  }
}

void RingReader::flush_waiting() {
  if (waiting_ == nullptr) return;
  Slot& w = *waiting_;
  hash_alone(w);
  hashed(w);
}

bool RingReader::settle_once_hashed(Slot& s) {
  if (waiting_ == &s) {
    s.settle_when_hashed = true;
    return false;
  }
  return settle(s);
}

void RingReader::report_ready(const std::function<void(unsigned, ContentRead&&)>& done) {
  while (!ready_.empty()) {
    Slot& s = *ready_.back();
    ready_.pop_back();
    s.settle_when_hashed = false;
    if (settle(s)) done(s.index, release(s));
  }
}

void RingReader::drop(Slot& s, std::string reason) {
  if (waiting_ == &s) waiting_ = nullptr;  // dropped with the digest
  s.unhashed_count = 0;
  s.file.fail(std::move(reason), s.digest);
}

RingReader::Step RingReader::read_cached(Slot& s) {
  if (s.file.complete()) {  // an empty file
    set_cached(s, false);
    return settle_once_hashed(s) ? Step::kSettled : Step::kGoing;
  }
  for (;;) {
    struct iovec iov {
      s.buffers[0].data(), s.buffers[0].size()
    };
    const ssize_t n =
        ::preadv2(s.file.fd(), &iov, 1, static_cast<off_t>(s.file.taken()), RWF_NOWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EOPNOTSUPP)) {
      // Not (all) cached after all: the rest comes from the disk, through the ring. A file that
      // was not probed had its readahead started by that read: read through the page cache.
      const bool direct = errno == EAGAIN && s.probed;
      if (!s.probed) cached_streak_ = 0;
      set_cached(s, false);
      if (!s.file.verify()) {  // (blocking reads only on a regular file)
        drop(s, s.file.out().error);
        return Step::kSettled;
      }
      s.direct = s.file.set_read_mode(direct, true);
      if (s.file.keeping()) return read_rest_blocking(s) ? Step::kSettled : Step::kGoing;
      queue_reads(s);
      return Step::kGoing;
    }
    if (n < 0) {
      set_cached(s, false);
      drop(s, "read error: " + errno_text(errno));
      return Step::kSettled;
    }
    if (n > 0) {
      const std::span<const std::uint8_t> chunk(s.buffers[0].data(), static_cast<std::size_t>(n));
      s.file.keep(chunk);
      hash(s, 0, 0, chunk.size());
      if (!s.file.complete()) return Step::kGoing;
    }
    // At the end (n == 0 before it: shorter than fstat said, which settle() sees).
    set_cached(s, false);
    return settle_once_hashed(s) ? Step::kSettled : Step::kGoing;
  }
}

bool RingReader::pump(const std::function<void(unsigned, ContentRead&&)>& done) {
  bool stepped = false;
  for (;;) {
    // The next chunk of the first cached file whose last chunk is not the one waiting.
    Slot* next = nullptr;
    for (const auto& slot : slots_) {
      if (slot->cached && slot.get() != waiting_) {
        next = slot.get();
        break;
      }
    }
    if (next == nullptr) break;
    if (read_cached(*next) == Step::kSettled) done(next->index, release(*next));
    report_ready(done);
    stepped = true;
  }
  return stepped;
}

void RingReader::queue_reads(Slot& s) {
  if (s.count == 0) s.next = s.file.taken();
  // Two reads of a file in flight: the disk fetches the next chunk while this thread hashes the
  // last one. Not for kept content (read to its end by this thread, once the first chunk shows).
  while (s.count < 2 && s.hold == Slot::Hold::kNone && s.next < s.file.size() &&
         !(s.file.keeping() && s.file.taken() > 0)) {
    // Not into a buffer whose bytes wait to be hashed: queued once they are (hash()).
    const unsigned buffer = s.count != 0 ? 1 - s.front().buffer : (s.holds_unhashed(0) ? 1 : 0);
    if (s.holds_unhashed(buffer)) break;
    const unsigned at = (s.first + s.count) % 2;
    Slot::Read& r = s.reads[at];
    r.buffer = buffer;
    // O_DIRECT reads whole blocks (a short read from the page cache can end mid-block).
    r.from = read_start(s.next, s.direct);
    r.skip = static_cast<std::size_t>(s.next - r.from);
    std::uint64_t want = s.file.size() - r.from;
    if (s.direct) want = (want + kDirectAlign - 1) / kDirectAlign * kDirectAlign;
    r.want = static_cast<unsigned>(std::min<std::uint64_t>(want, s.buffers[r.buffer].size()));
    r.landed = false;
    ++s.count;
    s.next = r.from + r.want;
    submit_read(s, at);
  }
}

io_uring_sqe* RingReader::free_sqe() {
  // Three entries per slot (two reads and a close): the queue is never full. Should it be, what
  // is queued is submitted first.
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_->ring);
  if (sqe != nullptr) return sqe;
  (void)io_uring_submit(&ring_->ring);
  return io_uring_get_sqe(&ring_->ring);
}

void RingReader::submit_read(Slot& s, unsigned at) {
  const Slot::Read& r = s.reads[at];
  io_uring_sqe* sqe = free_sqe();
  if (sqe == nullptr) {  // wait() reports the file (and every other busy one) as unreadable
    broken_ = true;
    broken_reason_ = "io_uring has no room for a read";
    return;
  }
  std::uint8_t* into = s.buffers[r.buffer].data();
  if (ring_->registered) {
    io_uring_prep_read_fixed(sqe, s.file.fd(), into, r.want, r.from,
                             static_cast<int>(2 * s.index + r.buffer));
  } else {
    io_uring_prep_read(sqe, s.file.fd(), into, r.want, r.from);
  }
  io_uring_sqe_set_data64(sqe, 2 * s.index + r.buffer);
  ++queued_;
}

void RingReader::wait(const std::function<void(unsigned, ContentRead&&)>& done) {
  // What the page cache holds first; then the ring, without waiting for it when the pump made a
  // step (the caller has slots to fill again, or the pump more to do).
  bool stepped = !broken_ && cached_ > 0 && pump(done);
  if (!broken_ && waiting_ != nullptr && queued_ == 0) {
    flush_waiting();  // nothing else will come to be hashed beside it
    report_ready(done);
    stepped = true;
  }
  landed_.clear();  // (a member: no allocation per call; done() never calls wait())
  while (landed_.empty() && queued_ > 0 && !broken_) {
    const int rc =
        stepped ? io_uring_submit(&ring_->ring) : io_uring_submit_and_wait(&ring_->ring, 1);
    if (rc < 0 && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY) {
      broken_ = true;
      broken_reason_ = "io_uring failed: " + errno_text(-rc);
      break;
    }
    io_uring_cqe* cqe = nullptr;
    unsigned head = 0;
    unsigned seen = 0;
    unsigned reads = 0;
    io_uring_for_each_cqe(&ring_->ring, head, cqe) {
      ++seen;
      const std::uint64_t data = io_uring_cqe_get_data64(cqe);
      if (data == kCloseData) continue;  // a close that failed: nothing to do about it
      landed_.emplace_back(static_cast<unsigned>(data), cqe->res);
      ++reads;
    }
    io_uring_cq_advance(&ring_->ring, seen);
    queued_ -= reads;
    if (stepped) break;
  }
  if (broken_) {
    // Not seen in practice: every busy file is settled with the reason (recorded as unreadable,
    // nothing is lost), and the caller reads the rest another way. The destructor still waits
    // for what is in flight before the buffers go.
    ready_.clear();
    close_unsubmitted();
    for (auto& slot : slots_) {
      if (slot->request.name == nullptr) continue;
      drop(*slot, broken_reason_);
      done(slot->index, release(*slot));
    }
    return;
  }
  for (const auto& [data, res] : landed_) {
    const unsigned index = data / 2;
    if (completed(*slots_[index], data % 2, res)) done(index, release(*slots_[index]));
  }
  report_ready(done);
  // The reads queued meanwhile go to the disk now, not at the caller's next wait().
  if (!broken_ && io_uring_sq_ready(&ring_->ring) > 0) (void)io_uring_submit(&ring_->ring);
}

bool RingReader::completed(Slot& s, unsigned buffer, int res) {
  for (unsigned i = 0; i < s.count; ++i) {
    Slot::Read& r = s.reads[(s.first + i) % 2];
    if (r.buffer == buffer && !r.landed) {
      r.landed = true;
      r.res = res;
      break;
    }
  }
  // The reads that landed, in file order.
  while (s.count > 0 && s.front().landed) {
    Slot::Read& r = s.front();
    if (s.hold != Slot::Hold::kNone) {  // dropped: an earlier read ended or failed
      s.pop();
      continue;
    }
    if ((r.res == -EINTR || r.res == -EAGAIN) && ++s.retries <= kMaxRetries) {
      r.landed = false;  // again (with O_NONBLOCK off, io_uring waits for the disk itself)
      submit_read(s, s.first);
      break;
    }
    const int got = r.res;
    const Slot::Read landed = r;
    s.pop();
    if (got == -EINVAL && s.direct) {
      s.hold = Slot::Hold::kBuffered;  // the filesystem refused O_DIRECT after all
    } else if (got < 0) {
      drop(s, "read error: " + errno_text(-got));
      s.hold = Slot::Hold::kFailed;
    } else if (static_cast<std::size_t>(got) <= landed.skip) {
      s.hold = Slot::Hold::kEnd;  // end of file before fstat's size: settle() sees it
    } else {
      const auto length = static_cast<std::size_t>(got) - landed.skip;
      s.file.keep({s.buffers[landed.buffer].data() + landed.skip, length});
      hash(s, landed.buffer, landed.skip, length);
      if (s.file.complete()) {
        s.hold = Slot::Hold::kEnd;
      } else if (static_cast<unsigned>(got) < landed.want) {
        s.hold = Slot::Hold::kRestart;  // short: the next read did not start where this ended
      }
    }
  }
  if (s.count > 0) {  // still in flight: keep two going unless held
    queue_reads(s);
    return false;
  }
  const Slot::Hold hold = std::exchange(s.hold, Slot::Hold::kNone);
  switch (hold) {
    case Slot::Hold::kFailed:
      return true;
    case Slot::Hold::kEnd:
      return settle_once_hashed(s);
    case Slot::Hold::kBuffered:
      s.direct = s.file.set_read_mode(false, true);
      break;
    case Slot::Hold::kRestart:
    case Slot::Hold::kNone:
      break;
  }
  if (s.file.complete()) return settle_once_hashed(s);
  if (s.file.keeping()) return read_rest_blocking(s);
  queue_reads(s);
  return false;
}

bool RingReader::read_rest_blocking(Slot& s) {
  if (waiting_ == &s) hash_alone(s);  // (its buffer is read into below)
  while (!s.file.complete()) {
    const std::uint64_t offset = s.file.taken();
    const std::uint64_t from = read_start(offset, s.direct);
    const ssize_t n =
        ::pread(s.file.fd(), s.buffers[0].data(), s.buffers[0].size(), static_cast<off_t>(from));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EINVAL && s.direct) {
      s.direct = s.file.set_read_mode(false, true);  // O_DIRECT refused after all
      continue;
    }
    if (n < 0) {
      drop(s, "read error: " + errno_text(errno));
      return true;
    }
    const auto skip = static_cast<std::size_t>(offset - from);
    if (static_cast<std::size_t>(n) <= skip) break;
    s.file.take({s.buffers[0].data() + skip, static_cast<std::size_t>(n) - skip}, s.digest);
  }
  return settle(s);
}

bool RingReader::settle(Slot& s) {
  if (s.file.finish(s.digest)) return true;
  // A first attempt that began from the listing has one more after it: the listing may only have
  // been older than the file, and a file that changes while it is read still gets its second read.
  const int attempts = kReadAttempts + (s.request.listed != nullptr ? 1 : 0);
  if (++s.attempt >= attempts) return true;  // "changed while being read"
  // Read it once more, from the start.
  s.bytes += s.file.out().bytes_read;
  if (begin(s)) return true;
  if (!s.cached) queue_reads(s);
  return false;
}

void RingReader::close_unsubmitted() {
  // The entries from the kernel's head to our tail were never seen by it: their closes are made
  // here, and each becomes a no-op should anything submit it after all.
  io_uring_sq& sq = ring_->ring.sq;
  for (unsigned i = io_uring_smp_load_acquire(sq.khead); i != sq.sqe_tail; ++i) {
    io_uring_sqe& sqe = sq.sqes[i & sq.ring_mask];
    if (sqe.opcode != IORING_OP_CLOSE || sqe.user_data != kCloseData) continue;
    ::close(sqe.fd);
    io_uring_prep_nop(&sqe);
    io_uring_sqe_set_data64(&sqe, kCloseData);
  }
}

void RingReader::close_file(Slot& s) {
  const int fd = s.file.release_fd();
  if (fd < 0) return;
  io_uring_sqe* sqe = ring_->close_on_ring && !broken_ ? free_sqe() : nullptr;
  if (sqe == nullptr) {
    ::close(fd);
    return;
  }
  // Submitted with the next batch (wait() submits before it returns, the destructor too).
  io_uring_prep_close(sqe, fd);
  io_uring_sqe_set_flags(sqe, IOSQE_CQE_SKIP_SUCCESS);
  io_uring_sqe_set_data64(sqe, kCloseData);
}

ContentRead RingReader::release(Slot& s) {
  ContentRead out = std::move(s.file.out());
  out.bytes_read += s.bytes;
  close_file(s);
  s.file = FileRead{};
  s.request = {};
  set_cached(s, false);
  if (waiting_ == &s) waiting_ = nullptr;  // (settled only once hashed: not seen)
  s.unhashed_count = 0;
  --busy_;
  return out;
}

}  // namespace signet::inventory
