#include "telemetry/audit_log.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "core/file_io.hpp"

namespace signet::telemetry {
namespace {

Error audit_io_error(const std::string& what, const std::filesystem::path& path, int err) {
  return signet::io_error("audit log: " + what, path, err);
}

class SystemClock final : public Clock {
 public:
  TimePoint now() const override {
    return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  }
};

class FlockGuard {
 public:
  explicit FlockGuard(int fd) : fd_(fd) {
    while (::flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
    }
  }
  ~FlockGuard() { ::flock(fd_, LOCK_UN); }
  FlockGuard(const FlockGuard&) = delete;
  FlockGuard& operator=(const FlockGuard&) = delete;

 private:
  int fd_;
};

}  // namespace

std::shared_ptr<const Clock> system_clock() { return std::make_shared<SystemClock>(); }

AuditLog::AuditLog(std::filesystem::path path, int fd, std::uint32_t every,
                   std::unique_ptr<CheckpointSigner> signer, std::shared_ptr<const Clock> clock)
    : path_(std::move(path)),
      fd_(fd),
      every_(every),
      signer_(std::move(signer)),
      clock_(std::move(clock)) {}

AuditLog::~AuditLog() { ::close(fd_); }

Result<std::unique_ptr<AuditLog>> AuditLog::open(std::filesystem::path path,
                                                 std::uint32_t checkpoint_every,
                                                 std::unique_ptr<CheckpointSigner> signer,
                                                 std::shared_ptr<const Clock> clock) {
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  const int fd = ::open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) return std::unexpected(audit_io_error("cannot open", path, errno));
  return std::unique_ptr<AuditLog>(new AuditLog(std::move(path), fd,
                                                checkpoint_every == 0 ? 1 : checkpoint_every,
                                                std::move(signer), std::move(clock)));
}

// Reads backwards from the end: the last record (seq, hash), and how many event records follow
// the last checkpoint (counted up to every_, which is all a decision needs).
Result<AuditLog::Tail> AuditLog::read_tail() const {
  Tail tail;
  tail.hash = std::string(kGenesisHash);
  struct stat st {};
  if (::fstat(fd_, &st) != 0) return std::unexpected(audit_io_error("cannot stat", path_, errno));
  auto end = static_cast<std::uint64_t>(st.st_size);
  if (end == 0) return tail;
  constexpr std::size_t kChunk = 64 * 1024;
  std::string pending;  // unprocessed bytes from file offset `end` on, lines still to look at
  bool found_last = false;
  std::uint64_t events_after_checkpoint = 0;
  while (end > 0 && pending.size() < (16u << 20)) {
    const std::uint64_t start = end > kChunk ? end - kChunk : 0;
    std::string chunk(static_cast<std::size_t>(end - start), '\0');
    const ssize_t n = ::pread(fd_, chunk.data(), chunk.size(), static_cast<off_t>(start));
    if (n < 0 || static_cast<std::size_t>(n) != chunk.size()) {
      return std::unexpected(audit_io_error("cannot read", path_, errno));
    }
    pending.insert(0, chunk);
    end = start;
    for (;;) {
      std::size_t stop = pending.size();
      if (stop > 0 && pending[stop - 1] == '\n') --stop;  // the line's own terminator
      const auto nl = stop == 0 ? std::string::npos : pending.rfind('\n', stop - 1);
      if (nl == std::string::npos && end > 0) break;  // the line starts in an earlier chunk
      const std::size_t from = nl == std::string::npos ? 0 : nl + 1;
      const std::string_view line(pending.data() + from, stop - from);
      if (auto record = parse_audit_record(line)) {
        if (!found_last) {
          found_last = true;
          tail.seq = record->seq;
          tail.hash = audit_line_hash(line);
          tail.last_is_checkpoint = record->checkpoint;
        }
        if (record->checkpoint || events_after_checkpoint >= every_) {
          tail.since_checkpoint = events_after_checkpoint;
          return tail;
        }
        ++events_after_checkpoint;
      }
      if (nl == std::string::npos) {
        pending.clear();
        break;
      }
      pending.resize(nl + 1);
    }
  }
  tail.since_checkpoint = events_after_checkpoint;
  return tail;
}

Result<void> AuditLog::append_line(const std::string& line, Tail& tail) {
  std::string bytes = line + '\n';
  struct stat st {};
  if (::fstat(fd_, &st) == 0 && st.st_size > 0) {
    char last = '\n';
    if (::pread(fd_, &last, 1, st.st_size - 1) == 1 && last != '\n') bytes.insert(0, "\n");
  }
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::unexpected(audit_io_error("cannot write", path_, errno));
    }
    done += static_cast<std::size_t>(n);
  }
  tail.hash = audit_line_hash(line);
  return {};
}

Result<void> AuditLog::append_checkpoint(Tail& tail) {
  AuditRecord cp;
  cp.seq = tail.seq + 1;
  cp.time = format_rfc3339(clock_->now());
  cp.prev = tail.hash;
  cp.checkpoint = true;
  cp.to = tail.seq;
  cp.head = tail.hash;
  auto signature = signer_->sign(checkpoint_content(cp.to, cp.head), clock_->now());
  if (!signature) return std::unexpected(signature.error());
  cp.signature = std::move(*signature);
  if (auto w = append_line(render_audit_record(cp), tail); !w) return w;
  tail.seq = cp.seq;
  tail.since_checkpoint = 0;
  tail.last_is_checkpoint = true;
  return {};
}

WriteResult AuditLog::write(std::span<const std::string> records) {
  FlockGuard lock(fd_);
  auto tail = read_tail();
  if (!tail) return {0, tail.error()};
  const std::string now = format_rfc3339(clock_->now());
  std::optional<Error> checkpoint_error;
  for (std::size_t i = 0; i < records.size(); ++i) {
    AuditRecord r;
    r.seq = tail->seq + 1;
    r.time = now;
    r.prev = tail->hash;
    r.event_json = records[i];
    if (auto w = append_line(render_audit_record(r), *tail); !w) return {i, w.error()};
    tail->seq = r.seq;
    tail->last_is_checkpoint = false;
    ++tail->since_checkpoint;
    if (signer_ && !checkpoint_error && tail->since_checkpoint >= every_) {
      // A checkpoint that cannot be signed (token absent) is retried with the next append; the
      // events themselves are in the log either way.
      if (auto cp = append_checkpoint(*tail); !cp) checkpoint_error = cp.error();
    }
  }
  if (::fdatasync(fd_) != 0) return {records.size(), audit_io_error("cannot fsync", path_, errno)};
  if (checkpoint_error) return {records.size(), checkpoint_error};
  return {records.size(), std::nullopt};
}

Result<void> AuditLog::checkpoint() {
  if (!signer_) return fail(Errc::kUsage, "audit log: no checkpoint_key configured");
  FlockGuard lock(fd_);
  auto tail = read_tail();
  if (!tail) return std::unexpected(tail.error());
  if (tail->seq == 0 || tail->last_is_checkpoint) return {};
  if (auto cp = append_checkpoint(*tail); !cp) return cp;
  if (::fdatasync(fd_) != 0) return std::unexpected(audit_io_error("cannot fsync", path_, errno));
  return {};
}

}  // namespace signet::telemetry
