// Appends one record per line to a file, rotating it by size (PATH -> PATH.1 -> ... PATH.N) and
// calling fsync(2) as configured. Several signet processes may append to the same file: each
// batch is written under flock(2), and a writer that finds the file rotated by another process
// reopens it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>

#include "policy/telemetry_spec.hpp"
#include "telemetry/record_writer.hpp"

namespace signet::telemetry {

struct FileWriterOptions {
  policy::FsyncPolicy fsync = policy::FsyncPolicy::kBatch;
  std::uint64_t rotate_bytes = 64ull << 20;  // 0: never rotate
  std::uint32_t rotate_keep = 5;
};

class RotatingFileWriter final : public RecordWriter {
 public:
  [[nodiscard]] static Result<std::unique_ptr<RotatingFileWriter>> open(
      std::filesystem::path path, const FileWriterOptions& options);
  ~RotatingFileWriter() override;
  RotatingFileWriter(const RotatingFileWriter&) = delete;
  RotatingFileWriter& operator=(const RotatingFileWriter&) = delete;

  [[nodiscard]] WriteResult write(std::span<const std::string> records) override;
  [[nodiscard]] std::string describe() const override { return "file " + path_.string(); }

 private:
  RotatingFileWriter(std::filesystem::path path, const FileWriterOptions& options, int fd)
      : path_(std::move(path)), options_(options), fd_(fd) {}
  [[nodiscard]] Result<void> reopen_if_rotated();
  [[nodiscard]] Result<void> rotate();
  [[nodiscard]] Result<void> append(const std::string& bytes);

  std::filesystem::path path_;
  FileWriterOptions options_;
  int fd_ = -1;
  std::string buffer_;
};

}  // namespace signet::telemetry
