// Threads: the caller's thread walks; `jobs` workers open, read, hash, classify and judge; one
// store thread hands every outcome to the sink (SQLite is used from that thread only) and keeps
// the summary. Queues are bounded, so memory and open descriptors stay bounded whatever the tree.
#include "inventory/scanner.hpp"

#include <fcntl.h>

#include <algorithm>
#include <mutex>
#include <thread>

#include "inventory/content_reader.hpp"
#include "inventory/path_text.hpp"
#include "inventory/signature_check.hpp"
#include "inventory/tree_walker.hpp"
#include "inventory/work_queue.hpp"

namespace signet::inventory {
namespace {

constexpr std::size_t kJobQueue = 512;
constexpr std::size_t kOutcomeQueue = 4096;
constexpr std::size_t kMaxSidecarBytes = 16u << 20;

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

struct Outcome {
  enum class Type { kRecord, kReuse, kProblem };
  Type type = Type::kRecord;
  FileRecord record;                        // kRecord
  const PreviousEntry* previous = nullptr;  // kReuse
  std::string path;                         // kReuse, kProblem
  std::string message;                      // kProblem
  bool vanished = false;                    // kProblem
};

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
  Scan(const ScanOptions& options, const PreviousState& previous, RecordSink& sink,
       ScanProgress& progress, const ScanHooks& hooks)
      : options_(options),
        previous_(previous),
        sink_(sink),
        progress_(progress),
        hooks_(hooks),
        jobs_(kJobQueue),
        outcomes_(kOutcomeQueue) {}

  Result<ScanSummary> run() {
    (void)raise_open_file_limit();
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    const unsigned workers = options_.jobs != 0 ? options_.jobs : std::min(2 * cores, 16u);
    std::vector<ContentReader> readers;
    for (unsigned i = 0; i < workers; ++i) {
      auto reader = ContentReader::create(options_.read_buffer_bytes);
      if (!reader) return std::unexpected(reader.error());
      readers.push_back(std::move(*reader));
    }
    std::thread store([this] { store_loop(); });
    std::vector<std::thread> threads;
    for (auto& reader : readers) threads.emplace_back([this, &reader] { worker_loop(reader); });

    WalkOptions walk_options{options_.roots, options_.excludes, options_.cross_mounts, &halt_};
    walk(walk_options, *this);
    jobs_.close();
    for (auto& t : threads) t.join();
    outcomes_.close();
    store.join();

    if (sink_error_) return std::unexpected(*sink_error_);
    summary_.interrupted = stopped();
    summary_.skipped_special += walker_.skipped_special;
    summary_.skipped_mounts += walker_.skipped_mounts;
    summary_.excluded += walker_.excluded;
    return summary_;
  }

  // WalkVisitor (walking thread)
  void regular_file(WalkedFile file) override {
    if (stopped()) return;
    progress_.seen.fetch_add(1, std::memory_order_relaxed);
    FileRecord listed;
    listed.type = EntryType::kFile;
    fill_stat(listed, file.st);
    if (file.sidecar_name) {
      const auto& s = file.sidecar_st;
      listed.sidecar_state =
          sidecar_state_of(s.st_dev, s.st_ino, static_cast<std::uint64_t>(s.st_size),
                           nanoseconds(s.st_mtim), nanoseconds(s.st_ctim));
    }
    if (const PreviousEntry* previous = unchanged(file.path, listed)) {
      outcomes_.push({Outcome::Type::kReuse, {}, previous, std::move(file.path), {}, false});
      return;
    }
    (void)jobs_.push(std::move(file));
  }

  void symlink(const std::string& path, const struct stat& st, std::string target) override {
    if (stopped()) return;
    progress_.seen.fetch_add(1, std::memory_order_relaxed);
    Outcome outcome;
    outcome.record.path = path;
    outcome.record.type = EntryType::kSymlink;
    fill_stat(outcome.record, st);
    outcome.record.link_target = std::move(target);
    if (const PreviousEntry* previous = unchanged(path, outcome.record)) {
      outcomes_.push({Outcome::Type::kReuse, {}, previous, path, {}, false});
      return;
    }
    outcomes_.push(std::move(outcome));
  }

  void skipped(const std::string&, Skip why) override {
    switch (why) {
      case Skip::kSpecial:
        ++walker_.skipped_special;
        break;
      case Skip::kMountPoint:
        ++walker_.skipped_mounts;
        break;
      case Skip::kExcluded:
        ++walker_.excluded;
        break;
    }
  }

  void error(const std::string& path, const std::string& message, bool vanished) override {
    outcomes_.push({Outcome::Type::kProblem, {}, nullptr, path, message, vanished});
  }

 private:
  struct WalkerCounts {
    std::uint64_t skipped_special = 0, skipped_mounts = 0, excluded = 0;
  };

  // Also turns a signal seen through options.stop into halt_, which the walk checks.
  bool stopped() {
    if (halt_.load(std::memory_order_relaxed)) return true;
    if (options_.stop != nullptr && options_.stop->load(std::memory_order_relaxed)) {
      halt_.store(true);
      return true;
    }
    return false;
  }

  const PreviousEntry* unchanged(const std::string& path, const FileRecord& listed) const {
    if (options_.full) return nullptr;
    const auto it = previous_.find(path);
    if (it == previous_.end() || !it->second.matches(listed)) return nullptr;
    return &it->second;
  }

  void worker_loop(ContentReader& reader) {
    while (auto job = jobs_.pop()) {
      if (stopped()) continue;  // drain: the scan will not be committed
      Outcome outcome = read_file(reader, *job);
      if (!outcomes_.push(std::move(outcome))) return;
    }
  }

  Outcome read_file(ContentReader& reader, WalkedFile& file) {
    if (hooks_.before_open) hooks_.before_open(file.path);
    std::optional<SidecarInput> sidecar;
    if (file.sidecar_name) sidecar = read_sidecar(file.dir->fd.get(), *file.sidecar_name);
    const std::uint64_t before = reader.bytes_read();
    ContentRead read = reader.read(
        {file.dir->fd.get(), &file.name, sidecar.has_value(), options_.max_content_bytes});
    progress_.bytes.fetch_add(reader.bytes_read() - before, std::memory_order_relaxed);
    Outcome outcome;
    if (read.vanished) {
      outcome.type = Outcome::Type::kProblem;
      outcome.path = std::move(file.path);
      outcome.message = "vanished before it could be read";
      outcome.vanished = true;
      return outcome;
    }
    FileRecord& r = outcome.record;
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
    while (auto outcome = outcomes_.pop()) {
      if (sink_error_ || stopped()) continue;  // drain
      Result<void> stored;
      switch (outcome->type) {
        case Outcome::Type::kProblem:
          note_problem(outcome->path, outcome->message, outcome->vanished);
          continue;
        case Outcome::Type::kReuse:
          stored = sink_.reuse(outcome->path, *outcome->previous);
          if (stored) count_reused(*outcome->previous);
          break;
        case Outcome::Type::kRecord:
          stored = sink_.add(outcome->record);
          if (stored) count(outcome->record);
          break;
      }
      if (!stored) {
        sink_error_ = stored.error();
        halt_.store(true);
      }
      progress_.done.fetch_add(1, std::memory_order_relaxed);
    }
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

  void count(const FileRecord& r) {
    if (r.type == EntryType::kSymlink) {
      ++summary_.symlinks;
      return;
    }
    ++summary_.files;
    if (r.error.empty()) {
      ++summary_.hashed;
      summary_.bytes_hashed += r.size;
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
  const PreviousState& previous_;
  RecordSink& sink_;
  ScanProgress& progress_;
  const ScanHooks& hooks_;
  WorkQueue<WalkedFile> jobs_;
  WorkQueue<Outcome> outcomes_;
  std::atomic<bool> halt_{false};    // the sink failed, or options.stop was seen
  std::optional<Error> sink_error_;  // store thread; read after join
  ScanSummary summary_;              // store thread; read after join
  WalkerCounts walker_;              // walking thread
};

}  // namespace

std::string sidecar_state_of(std::uint64_t dev, std::uint64_t ino, std::uint64_t size,
                             std::int64_t mtime_ns, std::int64_t ctime_ns) {
  return std::to_string(dev) + ':' + std::to_string(ino) + ':' + std::to_string(size) + ':' +
         std::to_string(mtime_ns) + ':' + std::to_string(ctime_ns);
}

Result<ScanSummary> run_scan(const ScanOptions& options, const PreviousState& previous,
                             RecordSink& sink, ScanProgress& progress, const ScanHooks& hooks) {
  progress.expected = previous.size();
  Scan scan(options, previous, sink, progress, hooks);
  return scan.run();
}

}  // namespace signet::inventory
