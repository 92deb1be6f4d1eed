#include "inventory/baseline.hpp"

#include <algorithm>
#include <map>

#include "inventory/path_text.hpp"

namespace signet::inventory {
namespace {

bool under_any(const std::string& path, const std::vector<std::string>& roots) {
  return std::any_of(roots.begin(), roots.end(), [&](const std::string& root) {
    if (root == "/") return !path.empty() && path.front() == '/';
    return path.size() >= root.size() && path.compare(0, root.size(), root) == 0 &&
           (path.size() == root.size() || path[root.size()] == '/');
  });
}

bool comparable(const FileRecord& r) {
  return r.type == EntryType::kFile && r.error.empty() && !r.sha256.empty();
}

}  // namespace

Result<formats::Statement> baseline_statement(const std::vector<StoredEntry>& entries,
                                              const BaselineOptions& options) {
  formats::Statement statement;
  for (const auto& e : entries) {
    if (!comparable(e.record)) continue;
    statement.subjects.push_back({escape_path(e.record.path), {{"sha256", e.record.sha256}}});
  }
  if (statement.subjects.empty()) {
    return fail(Errc::kUsage, "the scan holds no file with a digest: nothing to put in a baseline");
  }
  auto& p = statement.predicate;
  p.artifact_class = std::string(kBaselineClass);
  p.target = options.target;
  p.version = options.version;
  p.counter = options.counter;
  p.ticket = options.ticket;
  p.description = options.description;
  return statement;
}

std::vector<BaselineEntry> baseline_entries(const formats::Statement& statement) {
  std::vector<BaselineEntry> out;
  out.reserve(statement.subjects.size());
  for (const auto& s : statement.subjects) {
    const auto digest = s.digest.find("sha256");
    if (digest == s.digest.end()) continue;
    out.push_back({decode_path(s.name).value_or(s.name), digest->second});
  }
  return out;
}

std::vector<Change> compare_with_baseline(const std::vector<StoredEntry>& scan,
                                          const std::vector<BaselineEntry>& baseline,
                                          const std::vector<std::string>& roots) {
  std::map<std::string, const BaselineEntry*> expected;
  for (const auto& b : baseline) {
    if (under_any(b.path, roots)) expected.emplace(b.path, &b);
  }
  std::vector<Change> out;
  std::map<std::string, bool> seen;
  for (const auto& e : scan) {
    const FileRecord& r = e.record;
    const auto it = expected.find(r.path);
    if (it == expected.end()) {
      if (comparable(r)) out.push_back({ChangeKind::kNew, r.path, std::nullopt, r, true});
      continue;
    }
    seen[r.path] = true;
    // A file the scan could not read is not compared; one that became a symlink is a change.
    if (r.type == EntryType::kFile && (!comparable(r) || r.sha256 == it->second->sha256)) continue;
    FileRecord was;
    was.path = r.path;
    was.sha256 = it->second->sha256;
    out.push_back({ChangeKind::kContent, r.path, was, r, true});
  }
  for (const auto& [path, entry] : expected) {
    if (seen.contains(path)) continue;
    FileRecord was;
    was.path = path;
    was.sha256 = entry->sha256;
    out.push_back({ChangeKind::kRemoved, path, was, std::nullopt, true});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Change& a, const Change& b) { return a.path < b.path; });
  return out;
}

}  // namespace signet::inventory
