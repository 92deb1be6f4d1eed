// Appends events to the audit log (audit_record.hpp has the format) and writes a signed checkpoint
// after every `checkpoint_every` records. Several signet processes may append to one log: each
// append holds flock(2) on it and reads the log's tail for the last seq and hash.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>

#include "core/time.hpp"
#include "crypto/signing_key.hpp"
#include "telemetry/audit_record.hpp"
#include "telemetry/record_writer.hpp"

namespace signet::telemetry {

// Signs checkpoint content; returns base64 DER CMS. A seam: tests sign with a file key or a fake.
class CheckpointSigner {
 public:
  virtual ~CheckpointSigner() = default;
  [[nodiscard]] virtual Result<std::string> sign(std::string_view content, TimePoint now) = 0;
};

// Loads the key (pkcs11: or file:) on first use only: most appends need no signature.
[[nodiscard]] std::unique_ptr<CheckpointSigner> make_cms_checkpoint_signer(
    std::string key_ref, std::filesystem::path cert_file);

// Checks a checkpoint's detached CMS signature; with `pinned` (the --cert of `signet audit
// verify`), the signer must be one of those certificates or be issued by one of them.
[[nodiscard]] CheckpointVerifier make_cms_checkpoint_verifier(
    std::vector<crypto::Certificate> pinned);

class Clock {
 public:
  virtual ~Clock() = default;
  [[nodiscard]] virtual TimePoint now() const = 0;
};
[[nodiscard]] std::shared_ptr<const Clock> system_clock();

class AuditLog final : public RecordWriter {
 public:
  // signer may be null: no checkpoints (the whole log is then an unsigned tail).
  [[nodiscard]] static Result<std::unique_ptr<AuditLog>> open(
      std::filesystem::path path, std::uint32_t checkpoint_every,
      std::unique_ptr<CheckpointSigner> signer, std::shared_ptr<const Clock> clock);
  ~AuditLog() override;
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Records are ECS JSON events (one object each).
  [[nodiscard]] WriteResult write(std::span<const std::string> records) override;
  [[nodiscard]] std::string describe() const override { return "audit log " + path_.string(); }
  // Seals the tail now (`signet audit checkpoint`, before an evidence export). No-op when the
  // last record is already a checkpoint.
  [[nodiscard]] Result<void> checkpoint();

 private:
  AuditLog(std::filesystem::path path, int fd, std::uint32_t every,
           std::unique_ptr<CheckpointSigner> signer, std::shared_ptr<const Clock> clock);
  struct Tail {
    std::uint64_t seq = 0;
    std::string hash;
    std::uint64_t since_checkpoint = 0;  // event records after the last checkpoint
    bool last_is_checkpoint = false;
  };
  [[nodiscard]] Result<Tail> read_tail() const;
  [[nodiscard]] Result<void> append_line(const std::string& line, Tail& tail);
  [[nodiscard]] Result<void> append_checkpoint(Tail& tail);

  std::filesystem::path path_;
  int fd_;
  std::uint32_t every_;
  std::unique_ptr<CheckpointSigner> signer_;
  std::shared_ptr<const Clock> clock_;
};

}  // namespace signet::telemetry
