// Threads: the caller's thread walks; `jobs` workers open, read, hash, classify and judge; one
// store thread hands every outcome to the sink (SQLite is used from that thread only) and keeps
// the summary. Queues are bounded, so memory and open descriptors stay bounded whatever the tree.
#include "inventory/scanner.hpp"

#include <fcntl.h>

#include <algorithm>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "inventory/content_reader.hpp"
#include "inventory/path_text.hpp"
#include "inventory/signature_check.hpp"
#include "inventory/tree_walker.hpp"
#include "inventory/uring_reader.hpp"
#include "inventory/work_queue.hpp"

namespace signet::inventory {
namespace {

// Work moves between threads in batches: each handover may wake a thread, and on a VM a context
// switch is dear. With 64 files per job batch and 128 outcomes per reader batch instead of 16 and
// 32, a warm scan of /usr made 5,500 voluntary context switches instead of 18,000 and took 7 %
// less time (bench/README.md).
constexpr std::size_t kJobBatch = 64;  // files a walking thread hands to the readers at once
constexpr std::size_t kJobQueue = 512 / kJobBatch;  // batches
constexpr std::size_t kOutcomeQueue = 64;           // batches
constexpr std::size_t kWalkerBatch = 1024;          // outcomes the walk hands over at once
constexpr std::size_t kWorkerBatch = 128;           // outcomes a reader hands over at once
constexpr std::size_t kMaxSidecarBytes = 16u << 20;
constexpr std::size_t kMaxPending = 50000;  // files found before the previous state is loaded
constexpr unsigned kRingFilesPerCore = 32;
// Hard links (Scan::decide_file, Scan::finished): how much a scan keeps for sharing one read among
// a file's names. Beyond these bounds a name is simply read on its own.
constexpr std::size_t kMaxLinkedFiles = 4096;        // files with several names tracked at once
constexpr std::size_t kMaxWaitingNames = 1024;       // names waiting for a read in flight
constexpr std::size_t kMaxSharedContent = 1u << 20;  // kept content copied to a waiting name

std::int64_t nanoseconds(const struct timespec& t) {
  return static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

void fill_stat(FileRecord& r, const struct stat& st) {
  r.dev = st.st_dev;
  r.ino = st.st_ino;
  r.size = static_cast<std::uint64_t>(std::max<off_t>(st.st_size, 0));
  r.mode = st.st_mode;
  r.uid = st.st_uid;
  r.gid = st.st_gid;
  r.mtime_ns = nanoseconds(st.st_mtim);
  r.ctime_ns = nanoseconds(st.st_ctim);
}

// What the store thread receives. Kept small: most outcomes of a rescan are kReuse.
struct Outcome {
  enum class Type { kRecord, kReuse, kProblem };
  Type type = Type::kRecord;
  std::unique_ptr<FileRecord> record;       // kRecord
  const PreviousEntry* previous = nullptr;  // kReuse
  std::string path;                         // kProblem
  std::string message;                      // kProblem
  bool vanished = false;                    // kProblem
  bool shared = false;  // kRecord: the content came from another name's read (a hard link)
};

Outcome reuse_outcome(const PreviousEntry* previous) {
  Outcome o;
  o.type = Outcome::Type::kReuse;
  o.previous = previous;
  return o;
}

Outcome problem_outcome(std::string path, std::string message, bool vanished) {
  Outcome o;
  o.type = Outcome::Type::kProblem;
  o.path = std::move(path);
  o.message = std::move(message);
  o.vanished = vanished;
  return o;
}

Outcome record_outcome(std::unique_ptr<FileRecord> record) {
  Outcome o;
  o.type = Outcome::Type::kRecord;
  o.record = std::move(record);
  return o;
}

// Reads a separate signature (bounded); nullopt when it cannot be read as a regular file.
std::optional<SidecarInput> read_sidecar(int dirfd, const std::string& name) {
  UniqueFd fd(::openat(dirfd, name.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  if (!fd.valid()) return std::nullopt;
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) ||
      static_cast<std::uint64_t>(st.st_size) > kMaxSidecarBytes) {
    return std::nullopt;
  }
  SidecarInput sidecar{name, Bytes(static_cast<std::size_t>(st.st_size))};
  std::size_t got = 0;
  while (got < sidecar.bytes.size()) {
    const ssize_t n = ::read(fd.get(), sidecar.bytes.data() + got, sidecar.bytes.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;
    got += static_cast<std::size_t>(n);
  }
  return sidecar;
}

class Scan final : public WalkVisitor {
 public:
  Scan(const ScanOptions& options, PreviousLoader loader, RecordSink& sink, ScanProgress& progress,
       const ScanHooks& hooks)
      : options_(options),
        loader_(std::move(loader)),
        sink_(sink),
        progress_(progress),
        hooks_(hooks),
        jobs_(kJobQueue),
        outcomes_(kOutcomeQueue) {}

  Result<ScanSummary> run() {
    (void)raise_open_file_limit();
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    const crypto::Sha256Engine engine =
        options_.openssl_sha256 ? crypto::Sha256Engine::kOpenssl : crypto::sha256_engine();
    std::vector<std::unique_ptr<RingReader>> rings;
    if (options_.io != ReadEngine::kThreads) {
      const unsigned at_once = options_.jobs != 0 ? options_.jobs : kRingFilesPerCore * cores;
      const unsigned threads = std::min(cores, at_once);
      for (unsigned i = 0; i < threads; ++i) {
        auto ring =
            RingReader::create((at_once + threads - 1) / threads,
                               std::max<std::size_t>(options_.read_buffer_bytes / 4, 1), engine);
        if (!ring) {
          if (options_.io == ReadEngine::kUring) return std::unexpected(ring.error());
          rings.clear();
          break;
        }
        rings.push_back(std::move(*ring));
      }
    }
    std::vector<ContentReader> readers;
    const unsigned workers = !rings.empty()       ? static_cast<unsigned>(rings.size())
                             : options_.jobs != 0 ? options_.jobs
                                                  : std::clamp(2 * cores, 16u, 64u);
    for (unsigned i = 0; i < workers; ++i) {
      auto reader = ContentReader::create(options_.read_buffer_bytes, engine);
      if (!reader) return std::unexpected(reader.error());
      readers.push_back(std::move(*reader));
    }
    summary_.io_uring = !rings.empty();
    summary_.sha256_engine = engine;
    std::thread store([this] { store_loop(); });
    std::vector<std::thread> threads;
    for (unsigned i = 0; i < workers; ++i) {
      threads.emplace_back([this, &readers, &rings, i] {
        // All of the files, or what a broken ring left.
        worker_loop(readers[i],
                    rings.empty() ? std::vector<WalkedFile>() : ring_loop(*rings[i], readers[i]));
      });
    }

    const unsigned walkers =
        options_.walk_threads != 0 ? options_.walk_threads : std::min(2 * cores, 8u);
    walked_.resize(walkers + 1);  // the last batch is the loading thread's
    to_read_.resize(walkers + 1);
    std::thread loader([this, walkers] { load_previous(walkers); });
    WalkOptions walk_options{options_.roots, options_.excludes, options_.cross_mounts, walkers,
                             &halt_};
    walk(walk_options, *this);
    loader.join();
    for (auto& batch : walked_) {
      if (!batch.empty()) outcomes_.push(std::move(batch));
    }
    for (auto& batch : to_read_) {
      if (!batch.empty()) (void)jobs_.push(std::move(batch));
    }
    jobs_.close();
    for (auto& t : threads) t.join();
    outcomes_.close();
    store.join();

    if (load_error_) return std::unexpected(*load_error_);
    if (sink_error_) return std::unexpected(*sink_error_);
    summary_.interrupted = stopped();
    summary_.skipped_special += walker_.skipped_special.load();
    summary_.skipped_mounts += walker_.skipped_mounts.load();
    summary_.excluded += walker_.excluded.load();
    return summary_;
  }

  // WalkVisitor (walking thread)
  // Until the previous state is loaded, what the walk finds waits in memory (the walk and the load
  // run at the same time); afterwards each path is decided as it is found.
  void regular_file(unsigned thread, const FileView& file) override {
    if (stopped()) return;
    progress_.seen.fetch_add(1, std::memory_order_relaxed);
    if (!loaded_.load(std::memory_order_acquire)) {
      std::unique_lock lock(pending_mutex_);
      // Bounded: each waiting file keeps its directory open.
      pending_room_.wait(lock, [&] {
        return loaded_.load(std::memory_order_relaxed) || pending_files_.size() < kMaxPending ||
               halt_.load(std::memory_order_relaxed);
      });
      if (!loaded_.load(std::memory_order_relaxed)) {
        pending_files_.push_back(file.own());
        return;
      }
    }
    decide_file(thread, file.path, file.st, file.sidecar_st, [&] { return file.own(); });
  }

  void symlink(unsigned thread, const std::string& path, const struct stat& st,
               std::string target) override {
    if (stopped()) return;
    progress_.seen.fetch_add(1, std::memory_order_relaxed);
    if (!loaded_.load(std::memory_order_acquire)) {
      std::lock_guard lock(pending_mutex_);
      if (!loaded_.load(std::memory_order_relaxed)) {
        pending_links_.push_back({path, st, std::move(target)});
        return;
      }
    }
    decide_symlink(thread, path, st, std::move(target));
  }

  void skipped(unsigned /*thread*/, const std::string&, Skip why) override {
    switch (why) {
      case Skip::kSpecial:
        walker_.skipped_special.fetch_add(1, std::memory_order_relaxed);
        break;
      case Skip::kMountPoint:
        walker_.skipped_mounts.fetch_add(1, std::memory_order_relaxed);
        break;
      case Skip::kExcluded:
        walker_.excluded.fetch_add(1, std::memory_order_relaxed);
        break;
    }
  }

  void error(unsigned thread, const std::string& path, const std::string& message,
             bool vanished) override {
    hand_over(thread, problem_outcome(path, message, vanished));
  }

 private:
  struct WalkerCounts {
    std::atomic<std::uint64_t> skipped_special{0}, skipped_mounts{0}, excluded{0};
  };

  // Also turns a signal seen through options.stop into halt_, which the walk checks.
  // Walking threads: outcomes go to the store thread in batches (one queue operation per batch).
  void hand_over(unsigned thread, Outcome outcome) {
    auto& batch = walked_[thread];
    batch.push_back(std::move(outcome));
    if (batch.size() >= kWalkerBatch) {
      outcomes_.push(std::move(batch));
      batch = std::vector<Outcome>();
      batch.reserve(kWalkerBatch);
    }
  }

  bool stopped() {
    if (halt_.load(std::memory_order_relaxed)) return true;
    if (options_.stop != nullptr && options_.stop->load(std::memory_order_relaxed)) {
      halt_.store(true);
      return true;
    }
    return false;
  }

  template <class Own>
  void decide_file(unsigned thread, std::string_view path, const struct stat& st,
                   const struct stat* sidecar_st, Own&& own) {
    std::string sidecar_state;
    if (sidecar_st != nullptr) {
      const auto& s = *sidecar_st;
      sidecar_state = sidecar_state_of(s.st_dev, s.st_ino, static_cast<std::uint64_t>(s.st_size),
                                       nanoseconds(s.st_mtim), nanoseconds(s.st_ctim));
    }
    if (const PreviousEntry* previous = unchanged(path, st, EntryType::kFile, sidecar_state, {})) {
      hand_over(thread, reuse_outcome(previous));
      return;
    }
    if (shares_reads(st, sidecar_st != nullptr)) {
      std::optional<ContentRead> read;
      {
        const std::lock_guard lock(links_mutex_);
        const LinkKey key{st.st_dev, st.st_ino};
        auto it = links_.find(key);
        if (it == links_.end()) {
          if (links_.size() < kMaxLinkedFiles) {  // this name is read, the others share it
            links_[key].names_left = st.st_nlink - 1;
          }
        } else if (it->second.state == LinkShare::State::kReading) {
          if (waiting_names_ < kMaxWaitingNames) {
            ++waiting_names_;
            it->second.waiting.push_back(own());
            return;
          }
        } else if (it->second.state == LinkShare::State::kRead) {
          read = *it->second.read;
          if (--it->second.names_left == 0) links_.erase(it);
        }  // kOwn: read like any other file
      }
      if (read) {
        WalkedFile file = own();
        hand_over(thread, shared_outcome(file, std::move(*read)));
        return;
      }
    }
    auto& batch = to_read_[thread];
    batch.push_back(own());
    if (batch.size() >= kJobBatch) {
      (void)jobs_.push(std::move(batch));
      batch = std::vector<WalkedFile>();
      batch.reserve(kJobBatch);
    }
  }

  void decide_symlink(unsigned thread, const std::string& path, const struct stat& st,
                      std::string target) {
    if (const PreviousEntry* previous = unchanged(path, st, EntryType::kSymlink, {}, target)) {
      hand_over(thread, reuse_outcome(previous));
      return;
    }
    auto record = std::make_unique<FileRecord>();
    record->path = path;
    record->type = EntryType::kSymlink;
    fill_stat(*record, st);
    record->link_target = std::move(target);
    hand_over(thread, record_outcome(std::move(record)));
  }

  // The loading thread: the previous state, then what the walk found meanwhile.
  // The loading thread: the previous state (in shards, loaded in parallel on their own
  // connections), then what the walk found meanwhile.
  void load_previous(unsigned thread) {
    if (loader_) {
      const unsigned shards = std::max(1u, options_.load_threads);
      std::vector<std::optional<Result<PreviousState>>> loaded(shards);
      std::vector<std::thread> threads;
      for (unsigned k = 1; k < shards; ++k) {
        threads.emplace_back([&, k] { loaded[k].emplace(loader_(k, shards)); });
      }
      loaded[0].emplace(loader_(0, shards));
      for (auto& t : threads) t.join();
      std::uint64_t total = 0;
      for (auto& shard : loaded) {
        if (!*shard) {
          load_error_ = shard->error();
          halt_.store(true);
          break;
        }
        total += (*shard)->size();
        previous_.push_back(std::move(**shard));
      }
      progress_.expected.store(total, std::memory_order_relaxed);
    }
    std::vector<WalkedFile> files;
    std::vector<PendingLink> links;
    {
      std::lock_guard lock(pending_mutex_);
      loaded_.store(true, std::memory_order_release);
      files.swap(pending_files_);
      links.swap(pending_links_);
    }
    pending_room_.notify_all();
    for (auto& file : files) {
      if (stopped()) return;
      decide_file(thread, file.path, file.st, file.sidecar_name ? &file.sidecar_st : nullptr,
                  [&] { return std::move(file); });
    }
    for (auto& link : links) {
      if (stopped()) return;
      decide_symlink(thread, link.path, link.st, std::move(link.target));
    }
  }

  // Whether a file takes part in sharing reads among its names: several names, and no separate
  // signature beside this one (decide_file() and finished() must agree).
  static bool shares_reads(const struct stat& st, bool has_sidecar) {
    return st.st_nlink > 1 && !has_sidecar;
  }

  const PreviousEntry* unchanged(std::string_view path, const struct stat& st, EntryType type,
                                 std::string_view sidecar_state,
                                 std::string_view link_target) const {
    if (options_.full) return nullptr;
    const std::size_t hash = PreviousState::hash(path);
    const PreviousEntry* previous = nullptr;
    for (const auto& shard : previous_) {
      if ((previous = shard.find(path, hash)) != nullptr) break;
    }
    return previous != nullptr && previous->matches(st, type, sidecar_state, link_target) ? previous
                                                                                          : nullptr;
  }

  void worker_loop(ContentReader& reader, std::vector<WalkedFile> first = {}) {
    std::vector<Outcome> batch;
    for (std::optional<std::vector<WalkedFile>> jobs(std::move(first)); jobs; jobs = jobs_.pop()) {
      for (auto& job : *jobs) {
        if (stopped()) break;  // drain: the scan will not be committed
        read_file(reader, job, batch);
        job = WalkedFile();  // release the directory descriptor now
        if (batch.size() >= kWorkerBatch) {
          outcomes_.push(std::move(batch));
          batch = std::vector<Outcome>();
        }
      }
    }
    if (!batch.empty()) outcomes_.push(std::move(batch));
  }

  // One thread's files through its ring: up to the ring's slots at once, their jobs held here
  // until settled. Returns when the jobs are done, or when the ring broke: then with the files it
  // took from the queue and did not start (worker_loop reads them and the rest of the queue).
  // (`reader` reads the other names of a hard-linked file whose read failed.)
  std::vector<WalkedFile> ring_loop(RingReader& ring, ContentReader& reader) {
    struct Held {
      WalkedFile file;
      std::optional<SidecarInput> sidecar;
    };
    std::vector<std::unique_ptr<Held>> held(ring.slots());
    std::vector<Outcome> batch;
    const auto flush = [&](std::size_t at_least) {
      if (batch.size() >= at_least && !batch.empty()) {
        outcomes_.push(std::move(batch));
        batch = std::vector<Outcome>();
      }
    };
    const auto done = [&](unsigned slot, ContentRead&& read) {
      std::unique_ptr<Held> h = std::move(held[slot]);
      finished(h->file, std::move(h->sidecar), std::move(read), reader, batch);
    };
    std::vector<WalkedFile> jobs;  // taken from the queue, not started yet
    std::size_t next = 0;
    bool more = true;
    while (!ring.broken() && (more || next < jobs.size() || ring.busy() > 0)) {
      while (ring.has_room()) {
        if (next == jobs.size()) {
          if (!more) break;
          bool closed = false;
          std::optional<std::vector<WalkedFile>> taken =
              ring.busy() == 0 ? jobs_.pop() : jobs_.try_pop(closed);
          if (!taken) {
            more = ring.busy() != 0 && !closed;
            break;
          }
          jobs = std::move(*taken);
          next = 0;
          continue;
        }
        WalkedFile& job = jobs[next++];
        if (stopped()) continue;  // drain: the scan will not be committed
        auto h = std::make_unique<Held>(Held{std::move(job), std::nullopt});
        h->sidecar = open_read(h->file);
        unsigned slot = 0;
        std::optional<ContentRead> settled =
            ring.start({h->file.dir->fd.get(), &h->file.name, h->sidecar.has_value(),
                        options_.max_content_bytes, &h->file.st},
                       slot);
        if (settled) {
          finished(h->file, std::move(h->sidecar), std::move(*settled), reader, batch);
        } else {
          held[slot] = std::move(h);
        }
        flush(kWorkerBatch);
      }
      if (ring.busy() > 0) ring.wait(done);
      flush(kWorkerBatch);
    }
    if (ring.busy() > 0) ring.wait(done);  // broken: settles what it still holds, as unreadable
    flush(1);
    jobs.erase(jobs.begin(), jobs.begin() + static_cast<long>(next));
    return jobs;  // not started: the ring broke
  }

  // Before a file is opened: the test hook, and its separate signature if it has one.
  std::optional<SidecarInput> open_read(const WalkedFile& file) {
    if (hooks_.before_open) hooks_.before_open(file.path);
    if (!file.sidecar_name) return std::nullopt;
    return read_sidecar(file.dir->fd.get(), *file.sidecar_name);
  }

  void read_file(ContentReader& reader, WalkedFile& file, std::vector<Outcome>& batch) {
    std::optional<SidecarInput> sidecar = open_read(file);
    ContentRead read = reader.read(
        {file.dir->fd.get(), &file.name, sidecar.has_value(), options_.max_content_bytes});
    finished(file, std::move(sidecar), std::move(read), reader, batch);
  }

  // A file was read: its outcome, and those of its other names (hard links) that waited for the
  // read. A failed read is not shared (one name may have vanished while another is still there):
  // those names are read on their own, with `reader`, and so is every later one.
  void finished(WalkedFile& file, std::optional<SidecarInput> sidecar, ContentRead read,
                ContentReader& reader, std::vector<Outcome>& batch) {
    std::vector<WalkedFile> waiting;
    bool share = false;
    if (shares_reads(file.st, file.sidecar_name.has_value())) {
      const std::lock_guard lock(links_mutex_);
      const auto it = links_.find(LinkKey{file.st.st_dev, file.st.st_ino});
      if (it != links_.end() && it->second.state == LinkShare::State::kReading) {
        LinkShare& link = it->second;
        waiting.swap(link.waiting);
        waiting_names_ -= waiting.size();
        link.names_left -= std::min<nlink_t>(link.names_left, waiting.size());
        // Not shared: a failed read, a name replaced by another file between the listing and
        // the read, too much kept content.
        share = read.error.empty() && !read.vanished && read.st.st_dev == file.st.st_dev &&
                read.st.st_ino == file.st.st_ino && read.content.size() <= kMaxSharedContent;
        if (!share) {
          link.state = LinkShare::State::kOwn;
        } else if (link.names_left == 0) {
          links_.erase(it);
        } else if (!read.content.empty()) {
          link.state = LinkShare::State::kOwn;  // kept content is not held for names to come
        } else {
          link.state = LinkShare::State::kRead;  // held for them: the digest, head and tail
          link.read = read;
          link.read->bytes_read = 0;
        }
      }
    }
    for (auto& name : waiting) {  // before `read` goes to its own name's outcome
      if (stopped()) break;
      if (share) {
        batch.push_back(shared_outcome(name, read));
      } else {
        read_file(reader, name, batch);
      }
      name = WalkedFile();  // release the directory descriptor now
    }
    batch.push_back(outcome_of(file, std::move(sidecar), std::move(read)));
  }

  // Another name of a file read in this scan: its content is that read's (nothing is read again),
  // its kind and signature are judged for this name.
  Outcome shared_outcome(WalkedFile& file, ContentRead read) {
    read.bytes_read = 0;
    Outcome outcome = outcome_of(file, std::nullopt, std::move(read));
    outcome.shared = true;
    return outcome;
  }

  // What was read becomes a record: classified, its signature judged.
  Outcome outcome_of(WalkedFile& file, std::optional<SidecarInput> sidecar, ContentRead read) {
    progress_.bytes.fetch_add(read.bytes_read, std::memory_order_relaxed);
    if (read.vanished) {
      return problem_outcome(std::move(file.path), "vanished before it could be read", true);
    }
    Outcome outcome = record_outcome(std::make_unique<FileRecord>());
    FileRecord& r = *outcome.record;
    r.path = std::move(file.path);
    r.type = EntryType::kFile;
    if (!read.error.empty()) {
      fill_stat(r, file.st);  // what the listing saw; the content is unknown
      r.error = std::move(read.error);
      return outcome;
    }
    progress_.hashed.fetch_add(1, std::memory_order_relaxed);
    fill_stat(r, read.st);
    r.sha256 = std::move(read.sha256);
    if (file.sidecar_name) {
      const auto& s = file.sidecar_st;
      r.sidecar_state = sidecar_state_of(s.st_dev, s.st_ino, static_cast<std::uint64_t>(s.st_size),
                                         nanoseconds(s.st_mtim), nanoseconds(s.st_ctim));
    }
    const KindFacts kind = classify(read.head, read.tail, r.size, file.name);
    r.kind = kind.kind;
    r.kind_detail = kind.detail;
    SignatureInput input;
    input.display_path = escape_path(r.path);
    input.file_name = escape_path(file.name);
    input.kind = &kind;
    input.sha256 = r.sha256;
    input.content = read.content;
    input.content_complete = read.content_complete;
    input.sidecar = std::move(sidecar);
    r.signature = assess_signature(input, {options_.policy, options_.now, options_.host});
    if (!r.signature.signature_path.empty()) {
      const auto slash = r.path.rfind('/');
      r.signature.signature_path = r.path.substr(0, slash + 1) + r.signature.signature_path;
    }
    return outcome;
  }

  void store_loop() {
    while (auto batch = outcomes_.pop()) {
      for (auto& outcome : *batch) store(outcome);
    }
  }

  void store(const Outcome& outcome) {
    if (sink_error_ || stopped()) return;  // drain: the scan will not be committed
    Result<void> stored;
    switch (outcome.type) {
      case Outcome::Type::kProblem:
        note_problem(outcome.path, outcome.message, outcome.vanished);
        return;
      case Outcome::Type::kReuse:
        stored = sink_.reuse(*outcome.previous);
        if (stored) count_reused(*outcome.previous);
        break;
      case Outcome::Type::kRecord:
        stored = sink_.add(*outcome.record);
        if (stored) count(*outcome.record, outcome.shared);
        break;
    }
    if (!stored) {
      sink_error_ = stored.error();
      halt_.store(true);
    }
    progress_.done.fetch_add(1, std::memory_order_relaxed);
  }

  void note_problem(const std::string& path, const std::string& message, bool vanished) {
    if (vanished) {
      ++summary_.vanished;
    } else {
      ++summary_.errors;
    }
    if (summary_.problems.size() < ScanSummary::kMaxProblems) {
      summary_.problems.push_back({path, message});
    }
  }

  void count_reused(const PreviousEntry& p) {
    ++summary_.reused;
    if (p.type == EntryType::kSymlink) {
      ++summary_.symlinks;
      return;
    }
    ++summary_.files;
    ++summary_.by_kind[std::string(kind_name(p.kind))];
    ++summary_.by_state[std::string(signature_state_name(p.state))];
  }

  void count(const FileRecord& r, bool shared) {
    if (r.type == EntryType::kSymlink) {
      ++summary_.symlinks;
      return;
    }
    ++summary_.files;
    if (r.error.empty()) {
      ++summary_.hashed;
      if (shared) {
        ++summary_.shared_reads;
      } else {
        summary_.bytes_hashed += r.size;
      }
    }
    if (!r.error.empty()) {
      ++summary_.unreadable;
      if (summary_.problems.size() < ScanSummary::kMaxProblems) {
        summary_.problems.push_back({r.path, r.error});
      }
      return;
    }
    ++summary_.by_kind[std::string(kind_name(r.kind))];
    ++summary_.by_state[std::string(signature_state_name(r.signature.state))];
  }

  const ScanOptions& options_;
  PreviousLoader loader_;
  struct PendingLink {
    std::string path;
    struct stat st;
    std::string target;
  };
  // Hard-linked files seen in this scan (st_nlink > 1, no separate signature), by device and
  // inode: the first name found is read, the others share that read.
  struct LinkKey {
    dev_t dev;
    ino_t ino;
    bool operator==(const LinkKey&) const = default;
  };
  struct LinkKeyHash {
    std::size_t operator()(const LinkKey& k) const noexcept {
      return std::hash<std::uint64_t>()(k.ino) ^ (std::hash<std::uint64_t>()(k.dev) << 1);
    }
  };
  struct LinkShare {
    // kReading: the first name is being read, later ones wait in `waiting`; kRead: `read` is
    // shared with the names still to come; kOwn: the read failed or kept too much, every name
    // is read on its own.
    enum class State { kReading, kRead, kOwn } state = State::kReading;
    std::optional<ContentRead> read;
    std::vector<WalkedFile> waiting;
    nlink_t names_left = 0;  // names not seen yet (the entry goes when none is left)
  };
  std::mutex links_mutex_;
  std::unordered_map<LinkKey, LinkShare, LinkKeyHash> links_;
  std::size_t waiting_names_ = 0;        // in every LinkShare::waiting
  std::vector<PreviousState> previous_;  // shards; read-only once loaded_
  std::atomic<bool> loaded_{false};
  std::mutex pending_mutex_;
  std::condition_variable pending_room_;
  std::vector<WalkedFile> pending_files_;  // found before loaded_
  std::vector<PendingLink> pending_links_;
  std::optional<Error> load_error_;  // loading thread; read after join
  RecordSink& sink_;
  ScanProgress& progress_;
  const ScanHooks& hooks_;
  WorkQueue<std::vector<WalkedFile>> jobs_;
  std::vector<std::vector<WalkedFile>> to_read_;  // per walking thread: the batch being filled
  WorkQueue<std::vector<Outcome>> outcomes_;
  std::vector<std::vector<Outcome>> walked_;  // per walking thread: the batch being filled
  std::atomic<bool> halt_{false};             // the sink failed, or options.stop was seen
  std::optional<Error> sink_error_;           // store thread; read after join
  ScanSummary summary_;                       // store thread; read after join
  WalkerCounts walker_;
};

}  // namespace

// ---- PreviousState ----------------------------------------------------------------------------

namespace {
constexpr std::size_t kBlockBytes = std::size_t{1} << 20;
}  // namespace

void PreviousState::reserve(std::size_t entries) {
  entries_.reserve(entries);
  keys_.reserve(entries);
  std::size_t size = 16;
  while (size < entries * 2) size *= 2;
  if (size > table_.size()) {
    table_.assign(size, 0);
    for (std::size_t i = 0; i < keys_.size(); ++i) {
      std::size_t at = keys_[i].hash & (table_.size() - 1);
      while (table_[at] != 0) at = (at + 1) & (table_.size() - 1);
      table_[at] = static_cast<std::uint32_t>(i + 1);
    }
  }
}

void PreviousState::grow() { reserve(std::max<std::size_t>(16, entries_.size() * 2)); }

std::string_view PreviousState::intern(std::string_view path) {
  if (path.size() > kBlockBytes / 4) {  // a block of its own, in front: the last stays open
    blocks_.insert(blocks_.begin(), std::make_unique<char[]>(path.size()));
    std::copy(path.begin(), path.end(), blocks_.front().get());
    return {blocks_.front().get(), path.size()};
  }
  if (blocks_.empty() || kBlockBytes - used_ < path.size()) {
    blocks_.push_back(std::make_unique<char[]>(kBlockBytes));
    used_ = 0;
  }
  char* at = blocks_.back().get() + used_;
  std::copy(path.begin(), path.end(), at);
  used_ += path.size();
  return {at, path.size()};
}

void PreviousState::add(std::string_view path, PreviousEntry entry) {
  const std::size_t hash = PreviousState::hash(path);
  if ((entries_.size() + 1) * 2 > table_.size()) grow();
  const std::size_t mask = table_.size() - 1;
  std::size_t at = hash & mask;
  while (table_[at] != 0) {
    const std::size_t index = table_[at] - 1;
    if (keys_[index].hash == hash && keys_[index].path == path) {  // seen twice: the later wins
      entries_[index] = std::move(entry);
      return;
    }
    at = (at + 1) & mask;
  }
  keys_.push_back({hash, intern(path)});
  entries_.push_back(std::move(entry));
  table_[at] = static_cast<std::uint32_t>(entries_.size());
}

const PreviousEntry* PreviousState::find(std::string_view path, std::size_t hash) const noexcept {
  if (table_.empty()) return nullptr;
  const std::size_t mask = table_.size() - 1;
  for (std::size_t at = hash & mask; table_[at] != 0; at = (at + 1) & mask) {
    const std::size_t index = table_[at] - 1;
    if (keys_[index].hash == hash && keys_[index].path == path) return &entries_[index];
  }
  return nullptr;
}

std::string sidecar_state_of(std::uint64_t dev, std::uint64_t ino, std::uint64_t size,
                             std::int64_t mtime_ns, std::int64_t ctime_ns) {
  return std::to_string(dev) + ':' + std::to_string(ino) + ':' + std::to_string(size) + ':' +
         std::to_string(mtime_ns) + ':' + std::to_string(ctime_ns);
}

Result<ScanSummary> run_scan(const ScanOptions& options, PreviousLoader load_previous,
                             RecordSink& sink, ScanProgress& progress, const ScanHooks& hooks) {
  Scan scan(options, std::move(load_previous), sink, progress, hooks);
  return scan.run();
}

}  // namespace signet::inventory
