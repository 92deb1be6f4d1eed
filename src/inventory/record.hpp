// What the inventory records per path: the file's identity and metadata as lstat saw it, its
// SHA-256, its kind, and its signature status. Plain data shared by the scanner, the database,
// the diff and the baseline.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/reason_code.hpp"
#include "inventory/file_kind.hpp"

namespace signet::inventory {

enum class EntryType { kFile, kSymlink };
[[nodiscard]] std::string_view entry_type_name(EntryType type) noexcept;  // "file", "symlink"

// unsigned: no signature of any format was found. valid: the signature verifies and covers the
// file (with a policy: the policy allows it). invalid: it does not (reasons say why).
// unverified: signed, but nothing here can check it — the signer is named by reference and its
// key is not in the signature (kernel modules, minisign without --policy), or the file is too
// large to hold for its format unit.
enum class SignatureState { kUnsigned, kValid, kInvalid, kUnverified };
[[nodiscard]] std::string_view signature_state_name(SignatureState state) noexcept;
[[nodiscard]] std::optional<SignatureState> signature_state_from_name(
    std::string_view name) noexcept;

struct SignatureStatus {
  SignatureState state = SignatureState::kUnsigned;
  std::string format;              // "authenticode", "kmod", "signet", ... ("" when unsigned)
  std::string signer;              // subject (trusted one first), or the key reference's text
  std::string signer_fingerprint;  // SHA-256 of the signer certificate, when there is one
  bool trusted = false;            // a policy judged it and trusts a signer
  bool by_policy = false;          // judged by policy::evaluate (else: cryptography only)
  std::vector<Reason> reasons;
  std::string detail;          // one line on what was checked, or why it could not be
  std::string signature_path;  // raw bytes: the separate signature file (empty: embedded/none)

  // Who signed, for "signer changed": the certificate fingerprint, else the subject/reference.
  [[nodiscard]] const std::string& signer_identity() const noexcept {
    return signer_fingerprint.empty() ? signer : signer_fingerprint;
  }
  [[nodiscard]] bool is_signed() const noexcept { return state != SignatureState::kUnsigned; }
  bool operator==(const SignatureStatus&) const = default;
};

struct FileRecord {
  std::string path;  // raw bytes, absolute (may exceed PATH_MAX)
  EntryType type = EntryType::kFile;
  std::uint64_t dev = 0;
  std::uint64_t ino = 0;
  std::uint64_t size = 0;
  std::uint32_t mode = 0;
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::int64_t mtime_ns = 0;
  std::int64_t ctime_ns = 0;
  std::string sha256;  // lower-case hex; empty when the content could not be read
  FileKind kind = FileKind::kOther;
  std::string kind_detail;
  std::string link_target;  // symlinks: raw bytes of the target (never followed)
  SignatureStatus signature;
  // The separate signature file's identity when one was used ("dev:ino:size:mtime:ctime"): a new
  // FILE.sig re-reads FILE even though FILE itself did not change.
  std::string sidecar_state;
  std::string error;  // why the content was not read (permission denied, vanished, changed, ...)
};

}  // namespace signet::inventory
