#include "telemetry/spool.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "core/file_io.hpp"

namespace signet::telemetry {
namespace {

constexpr std::size_t kMaxFrame = 1u << 20;  // no event is near 1 MiB
constexpr std::size_t kBatch = 256;
constexpr std::size_t kReadChunk = 4u << 20;

Error spool_io_error(const std::string& what, const std::filesystem::path& path, int err) {
  return signet::io_error("spool: " + what, path, err);
}

Result<void> write_all(int fd, std::string_view bytes, const std::filesystem::path& path) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::unexpected(spool_io_error("cannot write", path, errno));
    }
    done += static_cast<std::size_t>(n);
  }
  return {};
}

}  // namespace

Result<SpoolFrames> parse_spool_frames(std::string_view data) {
  SpoolFrames out;
  std::size_t pos = 0;
  while (pos < data.size()) {
    const auto space = data.find(' ', pos);
    const std::size_t digits_end = space == std::string_view::npos ? data.size() : space;
    if (digits_end - pos > 7 || digits_end == pos) {
      if (space == std::string_view::npos && digits_end - pos <= 7) break;  // length cut short
      return fail(Errc::kMalformed,
                  "spool frame at byte " + std::to_string(pos) + " has no valid length");
    }
    std::size_t length = 0;
    const auto [end, ec] = std::from_chars(data.data() + pos, data.data() + digits_end, length);
    if (ec != std::errc{} || end != data.data() + digits_end || length == 0 || length > kMaxFrame) {
      return fail(Errc::kMalformed,
                  "spool frame at byte " + std::to_string(pos) + " has no valid length");
    }
    if (space == std::string_view::npos) break;
    if (data.size() - (space + 1) < length) break;  // frame cut short: a writer died mid-append
    out.records.push_back(data.substr(space + 1, length));
    pos = space + 1 + length;
    out.consumed = pos;
  }
  return out;
}

Result<std::unique_ptr<Spool>> Spool::open(std::filesystem::path dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return fail(Errc::kIo, "spool: cannot create " + dir.string() + ": " + ec.message());
  const auto lock_path = dir / "lock";
  const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return std::unexpected(spool_io_error("cannot open", lock_path, errno));
  return std::unique_ptr<Spool>(new Spool(std::move(dir), fd));
}

Spool::~Spool() { ::close(lock_fd_); }

Spool::Lock::Lock(const Spool& spool) : fd_(spool.lock_fd_) {
  while (::flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
  }
}
Spool::Lock::~Lock() { ::flock(fd_, LOCK_UN); }

Result<std::uint64_t> Spool::read_offset() const {
  const auto path = dir_ / "queue.offset";
  if (!std::filesystem::exists(path)) return 0;
  auto text = read_file_text(path, 64);
  if (!text) return std::unexpected(text.error());
  std::uint64_t offset = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), offset);
  if (ec != std::errc{}) return fail(Errc::kMalformed, "spool: bad " + path.string());
  return offset;
}

Result<void> Spool::write_offset(std::uint64_t offset) const {
  const std::string text = std::to_string(offset);
  return write_file_atomic(dir_ / "queue.offset",
                           {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
}

Result<std::uint64_t> Spool::pending_bytes() const {
  struct stat st {};
  const auto path = dir_ / "queue";
  if (::stat(path.c_str(), &st) != 0) return 0;
  auto offset = read_offset();
  if (!offset) return std::unexpected(offset.error());
  const auto size = static_cast<std::uint64_t>(st.st_size);
  return size > *offset ? size - *offset : 0;
}

Result<void> Spool::append(std::span<const std::string> records) {
  std::string bytes;
  for (const auto& r : records) {
    bytes += std::to_string(r.size());
    bytes += ' ';
    bytes += r;
  }
  const auto path = dir_ / "queue";
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return std::unexpected(spool_io_error("cannot open", path, errno));
  auto written = write_all(fd, bytes, path);
  if (written && ::fdatasync(fd) != 0)
    written = std::unexpected(spool_io_error("cannot fsync", path, errno));
  ::close(fd);
  return written;
}

Spool::Delivery Spool::deliver(RecordWriter& sink) {
  Delivery result;
  const auto path = dir_ / "queue";
  auto offset = read_offset();
  if (!offset) return {0, 0, offset.error()};
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return result;
    return {0, 0, spool_io_error("cannot open", path, errno)};
  }
  std::string buffer;
  std::uint64_t position = *offset;
  for (;;) {
    buffer.resize(kReadChunk);
    const ssize_t n = ::pread(fd, buffer.data(), buffer.size(), static_cast<off_t>(position));
    if (n < 0) {
      result.error = spool_io_error("cannot read", path, errno);
      break;
    }
    buffer.resize(static_cast<std::size_t>(n));
    if (buffer.empty()) break;
    auto frames = parse_spool_frames(buffer);
    if (!frames) {
      // Keep the damaged spool for inspection; a wedged spool would hold every later event.
      const auto aside = dir_ / ("queue.corrupt." + std::to_string(::time(nullptr)));
      ::rename(path.c_str(), aside.c_str());
      std::filesystem::remove(dir_ / "queue.offset");
      result.error =
          Error{Errc::kMalformed, frames.error().message + "; moved to " + aside.string()};
      ::close(fd);
      return result;
    }
    if (frames->records.empty()) break;  // only a cut-short frame left
    std::size_t i = 0;
    while (i < frames->records.size()) {
      const std::size_t count = std::min(kBatch, frames->records.size() - i);
      std::vector<std::string> batch;
      std::uint64_t bytes = 0;
      for (std::size_t k = i; k < i + count; ++k) {
        batch.emplace_back(frames->records[k]);
        bytes += std::to_string(frames->records[k].size()).size() + 1 + frames->records[k].size();
      }
      const WriteResult sent = sink.write(batch);
      if (!sent.ok()) {
        // Records of a failed batch count as not delivered (the writer may have sent a prefix).
        result.error = sent.error;
        break;
      }
      position += bytes;
      result.delivered += count;
      i += count;
      if (auto saved = write_offset(position); !saved) {
        result.error = saved.error();
        break;
      }
    }
    if (result.error) break;
  }
  ::close(fd);
  if (!result.error) {
    // Everything out: start the next outage with an empty spool.
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && static_cast<std::uint64_t>(st.st_size) <= position) {
      ::unlink(path.c_str());
      ::unlink((dir_ / "queue.offset").c_str());
    }
  } else {
    auto left = pending_bytes();
    result.remaining = left && *left > 0 ? 1 : 0;
  }
  return result;
}

WriteResult SpooledWriter::write(std::span<const std::string> records) {
  Spool::Lock lock(*spool_);
  auto pending = spool_->pending_bytes();
  if (pending && *pending == 0) {
    WriteResult sent = inner_->write(records);
    if (sent.ok()) return sent;
    if (auto held = spool_->append(records.subspan(sent.written)); !held) {
      return {sent.written, held.error()};
    }
    return {records.size(), std::nullopt};
  }
  // Older events are waiting: these go behind them, then try to deliver all of it in order.
  if (auto held = spool_->append(records); !held) return {0, held.error()};
  (void)spool_->deliver(*inner_);
  return {records.size(), std::nullopt};
}

Spool::Delivery SpooledWriter::flush() {
  Spool::Lock lock(*spool_);
  return spool_->deliver(*inner_);
}

WriteResult SpooledWriter::spool_only(std::span<const std::string> records) {
  Spool::Lock lock(*spool_);
  if (auto held = spool_->append(records); !held) return {0, held.error()};
  return {records.size(), std::nullopt};
}

}  // namespace signet::telemetry
