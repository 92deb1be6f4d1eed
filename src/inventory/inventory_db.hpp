// The inventory database (SQLite, default /var/lib/signet/inventory.db): scans, the paths they
// saw (raw bytes), and path states ("objects": metadata, digest, kind, signature status) shared
// between scans, so that an unchanged file costs one small row per scan.
//
// A scan is one write transaction, committed only when the walk has finished: a scan that is
// interrupted (SIGINT, kill -9, power loss) leaves the database exactly as it was (WAL journal).
// Readers never wait for a running scan. docs/inventory.md has the schema.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/time.hpp"
#include "inventory/record.hpp"
#include "inventory/scanner.hpp"

namespace signet::inventory {

inline constexpr std::string_view kDefaultInventoryDb = "/var/lib/signet/inventory.db";

struct ScanInfo {
  std::int64_t id = 0;
  TimePoint started_at{};
  TimePoint finished_at{};
  std::string host;
  std::vector<std::string> roots;  // raw bytes
  std::vector<std::string> excludes;
  bool cross_mounts = false;
  std::string policy_sha256;  // "" when signatures were judged by cryptography only
  std::uint64_t files = 0, symlinks = 0, hashed = 0, reused = 0, bytes_hashed = 0;
  std::uint64_t unreadable = 0, errors = 0;
};

// One path of a scan with what was recorded for it.
struct StoredEntry {
  std::int64_t path_id = 0;
  std::int64_t object_id = 0;
  FileRecord record;  // record.path set
};

// A path whose state differs between two scans (either side may be absent).
struct EntryPair {
  std::string path;
  std::optional<FileRecord> before;
  std::optional<FileRecord> after;
};

class InventoryDb;

// The scan being written: rolled back unless commit() is reached.
class ScanWriter final : public RecordSink {
 public:
  ScanWriter(ScanWriter&&) noexcept;
  ScanWriter& operator=(ScanWriter&&) = delete;
  ~ScanWriter() override;

  [[nodiscard]] std::int64_t scan_id() const noexcept { return scan_id_; }
  [[nodiscard]] Result<void> add(const FileRecord& record) override;
  [[nodiscard]] Result<void> reuse(const PreviousEntry& previous) override;
  // Records the summary and commits; the scan exists from now on.
  [[nodiscard]] Result<void> commit(const ScanSummary& summary, TimePoint finished_at);

 private:
  friend class InventoryDb;
  struct Statements;
  ScanWriter(sqlite3* db, std::int64_t scan_id, std::unique_ptr<Statements> statements);
  [[nodiscard]] Result<std::int64_t> path_id(const std::string& path);
  [[nodiscard]] Result<void> insert_entry(std::int64_t path_id, std::int64_t object_id);

  sqlite3* db_;
  std::int64_t scan_id_;
  std::unique_ptr<Statements> statements_;
  bool open_ = true;
};

class InventoryDb {
 public:
  // Creates the file (and its directory) when missing; brings the schema up to date. A file
  // written by a newer signet is refused.
  [[nodiscard]] static Result<InventoryDb> open(const std::filesystem::path& path);
  // For readers: the file must exist (Errc::kIo otherwise); opened read-only when not writable.
  [[nodiscard]] static Result<InventoryDb> open_existing(const std::filesystem::path& path);

  InventoryDb(InventoryDb&&) noexcept = default;
  InventoryDb& operator=(InventoryDb&&) noexcept = default;
  ~InventoryDb() = default;

  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

  [[nodiscard]] Result<std::vector<ScanInfo>> scans();
  [[nodiscard]] Result<std::optional<ScanInfo>> scan(std::int64_t id);
  [[nodiscard]] Result<std::optional<ScanInfo>> latest_scan();
  // The scan committed just before `id`.
  [[nodiscard]] Result<std::optional<ScanInfo>> scan_before(std::int64_t id);

  // What earlier scans saw under `roots`: for each root, the latest scan that covered it (a root
  // equal to it or above it) and was judged by the same policy.
  // Only the paths whose id modulo `shards` is `shard` (loading in parallel, see PreviousLoader).
  [[nodiscard]] Result<PreviousState> previous_state(const std::vector<std::string>& roots,
                                                     const std::string& policy_sha256,
                                                     unsigned shard = 0, unsigned shards = 1);

  // Starts a scan (BEGIN IMMEDIATE: one scan writes at a time; others wait up to 30 s).
  [[nodiscard]] Result<ScanWriter> begin_scan(const ScanInfo& header);

  // Every path of a scan, sorted by path (raw bytes).
  [[nodiscard]] Result<std::vector<StoredEntry>> entries(std::int64_t scan_id);
  // Paths whose recorded state differs between two scans, sorted by path.
  [[nodiscard]] Result<std::vector<EntryPair>> differing(std::int64_t before, std::int64_t after);

 private:
  struct Closer {
    void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
  };
  InventoryDb(std::unique_ptr<sqlite3, Closer> db, std::filesystem::path path)
      : db_(std::move(db)), path_(std::move(path)) {}
  [[nodiscard]] Result<void> migrate();
  [[nodiscard]] Result<std::optional<ScanInfo>> one_scan(const char* sql, std::int64_t arg);

  std::unique_ptr<sqlite3, Closer> db_;
  std::filesystem::path path_;
};

}  // namespace signet::inventory
