// The inventory as a signed baseline: a native signet Statement of class `trust-bundle` whose
// subjects are {name: path, digest: {sha256}} — the same shape as the exec gate's trust bundles,
// so one signed file serves both. Names are the paths escaped as in path_text.hpp (plain UTF-8
// paths are themselves). Symlinks and files that could not be read are not subjects.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "formats/statement.hpp"
#include "inventory/diff.hpp"
#include "inventory/inventory_db.hpp"

namespace signet::inventory {

inline constexpr std::string_view kBaselineClass = "trust-bundle";

struct BaselineOptions {
  std::string target;  // e.g. the host or asset path ("acme/line3/hmi-01")
  std::string version;
  std::optional<std::uint64_t> counter;
  std::string ticket;
  std::string description;
};

// Errc::kUsage when the scan holds no file with a digest.
[[nodiscard]] Result<formats::Statement> baseline_statement(const std::vector<StoredEntry>& entries,
                                                            const BaselineOptions& options);

struct BaselineEntry {
  std::string path;  // raw bytes (the subject name, unescaped)
  std::string sha256;
};

// The subjects of a baseline. A name that is not in the escaped form is taken as it is.
[[nodiscard]] std::vector<BaselineEntry> baseline_entries(const formats::Statement& statement);

// The scan against the baseline, within the scan's roots: paths only in the scan are `new`, only
// in the baseline `removed`, with another digest `content`. Symlinks and unread files are not
// compared. Sorted by path.
[[nodiscard]] std::vector<Change> compare_with_baseline(const std::vector<StoredEntry>& scan,
                                                        const std::vector<BaselineEntry>& baseline,
                                                        const std::vector<std::string>& roots);

}  // namespace signet::inventory
