// What changed between two observations of a path (two scans, or a scan and a signed baseline).
// Pure. The categories (docs/inventory.md "Differences"):
//
//   new              on the later side only
//   removed          on the earlier side only
//   content          the SHA-256 (or a symlink's target, or file <-> symlink) differs
//   metadata         same content, but device, inode, size, mode, owner, mtime or ctime differ
//   became-unsigned  signed before, unsigned now
//   signer-changed   signed both times, by someone else now (certificate fingerprint, else the
//                    subject or key reference)
//
// One path can show several differences (content and became-unsigned): each is reported.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "inventory/record.hpp"

namespace signet::inventory {

enum class ChangeKind { kNew, kRemoved, kContent, kMetadata, kBecameUnsigned, kSignerChanged };

// "new", "removed", "content", "metadata", "became-unsigned", "signer-changed".
[[nodiscard]] std::string_view change_name(ChangeKind kind) noexcept;
[[nodiscard]] std::optional<ChangeKind> change_from_name(std::string_view name) noexcept;

struct Change {
  ChangeKind kind = ChangeKind::kNew;
  std::string path;  // raw
  std::optional<FileRecord> before;
  std::optional<FileRecord> after;
  // `before` is a baseline subject: only its path and digest are known.
  bool before_is_baseline = false;
};

// Differences of one path; empty when both sides are alike (or both absent).
[[nodiscard]] std::vector<Change> compare_entries(const std::string& path,
                                                  const std::optional<FileRecord>& before,
                                                  const std::optional<FileRecord>& after);

}  // namespace signet::inventory
