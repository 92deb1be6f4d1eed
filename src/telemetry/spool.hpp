// A disk spool that holds rendered events while a receiver is down and hands them back in order.
//
// Layout of the spool directory: `queue` holds records as octet-counted frames ("LEN SP BYTES");
// `queue.offset` holds how many bytes of `queue` were delivered (decimal); `lock` is flock(2)ed
// by whoever appends or delivers, so several signet processes can share one spool. Delivery
// advances the offset after each accepted batch and empties both files once everything is out.
// Delivery is at-least-once: a crash between a send and the offset update resends that batch.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "telemetry/record_writer.hpp"

namespace signet::telemetry {

// Pure: the complete frames at the start of `data`. A frame that is cut short at the end is left
// for later (`consumed` stops before it); anything else that is not a frame is an error.
struct SpoolFrames {
  std::vector<std::string_view> records;
  std::size_t consumed = 0;
};
[[nodiscard]] Result<SpoolFrames> parse_spool_frames(std::string_view data);

class Spool {
 public:
  [[nodiscard]] static Result<std::unique_ptr<Spool>> open(std::filesystem::path dir);
  ~Spool();
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  // Holds the spool's lock for one append-or-deliver step (other processes wait).
  class Lock {
   public:
    explicit Lock(const Spool& spool);
    ~Lock();
    Lock(const Lock&) = delete;
    Lock& operator=(const Lock&) = delete;

   private:
    int fd_;
  };

  // Callers hold a Lock for the following three.
  [[nodiscard]] Result<std::uint64_t> pending_bytes() const;
  [[nodiscard]] Result<void> append(std::span<const std::string> records);
  // Hands pending records to `sink` in order, in batches; stops at the first failure.
  // Returns how many records were delivered; the error says why delivery stopped, if it did.
  struct Delivery {
    std::size_t delivered = 0;
    std::size_t remaining = 0;  // records still spooled (0 when the spool is empty)
    std::optional<Error> error;
  };
  [[nodiscard]] Delivery deliver(RecordWriter& sink);

  [[nodiscard]] const std::filesystem::path& dir() const noexcept { return dir_; }

 private:
  Spool(std::filesystem::path dir, int lock_fd) : dir_(std::move(dir)), lock_fd_(lock_fd) {}
  [[nodiscard]] Result<std::uint64_t> read_offset() const;
  [[nodiscard]] Result<void> write_offset(std::uint64_t offset) const;

  std::filesystem::path dir_;
  int lock_fd_;
};

// A RecordWriter that sends through `inner` and spools what `inner` cannot take. While anything is
// spooled, new records queue behind it, so the receiver sees events in the order they happened.
class SpooledWriter final : public RecordWriter {
 public:
  SpooledWriter(std::unique_ptr<RecordWriter> inner, std::unique_ptr<Spool> spool)
      : inner_(std::move(inner)), spool_(std::move(spool)) {}
  // Spooled records count as written: they are held on disk and will be delivered.
  [[nodiscard]] WriteResult write(std::span<const std::string> records) override;
  [[nodiscard]] std::string describe() const override { return inner_->describe(); }
  // Delivers what is spooled (at start-up and for `signet telemetry flush`).
  [[nodiscard]] Spool::Delivery flush();
  // Spools without trying the receiver (used when a short-lived command runs out of time).
  [[nodiscard]] WriteResult spool_only(std::span<const std::string> records);
  [[nodiscard]] const Spool& spool() const noexcept { return *spool_; }

 private:
  std::unique_ptr<RecordWriter> inner_;
  std::unique_ptr<Spool> spool_;
};

}  // namespace signet::telemetry
