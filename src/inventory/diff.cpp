#include "inventory/diff.hpp"

#include <array>
#include <utility>

namespace signet::inventory {
namespace {

constexpr std::array<std::pair<ChangeKind, std::string_view>, 6> kChangeKindNames{{
    {ChangeKind::kNew, "new"},
    {ChangeKind::kRemoved, "removed"},
    {ChangeKind::kContent, "content"},
    {ChangeKind::kMetadata, "metadata"},
    {ChangeKind::kBecameUnsigned, "became-unsigned"},
    {ChangeKind::kSignerChanged, "signer-changed"},
}};

// Content is comparable when both sides were read (a file that could not be read has no digest).
std::optional<bool> content_differs(const FileRecord& a, const FileRecord& b) {
  if (a.type != b.type) return true;
  if (a.type == EntryType::kSymlink) return a.link_target != b.link_target;
  if (a.sha256.empty() || b.sha256.empty()) return std::nullopt;
  return a.sha256 != b.sha256;
}

bool metadata_differs(const FileRecord& a, const FileRecord& b) {
  return a.dev != b.dev || a.ino != b.ino || a.size != b.size || a.mode != b.mode ||
         a.uid != b.uid || a.gid != b.gid || a.mtime_ns != b.mtime_ns || a.ctime_ns != b.ctime_ns;
}

// The signature status is known when the file was read.
bool status_known(const FileRecord& r) { return r.type == EntryType::kFile && r.error.empty(); }

}  // namespace

std::string_view change_name(ChangeKind kind) noexcept {
  for (const auto& [value, name] : kChangeKindNames) {
    if (value == kind) return name;
  }
  return "content";
}

std::optional<ChangeKind> change_from_name(std::string_view name) noexcept {
  for (const auto& [value, text] : kChangeKindNames) {
    if (text == name) return value;
  }
  return std::nullopt;
}

std::vector<Change> compare_entries(const std::string& path,
                                    const std::optional<FileRecord>& before,
                                    const std::optional<FileRecord>& after) {
  std::vector<Change> out;
  const auto add = [&](ChangeKind kind) { out.push_back({kind, path, before, after, false}); };
  if (!before && !after) return out;
  if (!before) {
    add(ChangeKind::kNew);
    return out;
  }
  if (!after) {
    add(ChangeKind::kRemoved);
    return out;
  }
  const auto content = content_differs(*before, *after);
  if (content.value_or(false)) {
    add(ChangeKind::kContent);
  } else if (metadata_differs(*before, *after)) {
    add(ChangeKind::kMetadata);
  }
  if (status_known(*before) && status_known(*after)) {
    const auto& b = before->signature;
    const auto& a = after->signature;
    if (b.is_signed() && !a.is_signed()) {
      add(ChangeKind::kBecameUnsigned);
    } else if (b.is_signed() && a.is_signed() && b.signer_identity() != a.signer_identity()) {
      add(ChangeKind::kSignerChanged);
    }
  }
  return out;
}

}  // namespace signet::inventory
