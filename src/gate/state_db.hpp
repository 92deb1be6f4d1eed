// The download gate's state: controller change records and the rollback state per target, in one
// SQLite file (default /var/lib/signet/state.db). Every write is one transaction; the rollback
// state only ever moves forward (the highest counter and version ever installed), whatever order
// concurrent writers commit in.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/reason_code.hpp"
#include "core/time.hpp"
#include "policy/evaluate.hpp"

namespace signet::gate {

inline constexpr std::string_view kDefaultStateDb = "/var/lib/signet/state.db";

// --state-db when given, else the policy's `state_db`, else kDefaultStateDb.
[[nodiscard]] std::filesystem::path resolve_state_db(const std::string& option,
                                                     const policy::Policy* policy);

// What happened to a change record's command.
enum class ChangeStatus {
  kDenied,     // the decision blocked it: the command was not run
  kRunning,    // the command was started; a record left so means the gate died meanwhile
  kSucceeded,  // the command exited 0
  kFailed,     // the command exited non-zero or was killed by a signal
  kNotRun,     // allowed, but the command could not be started
};
[[nodiscard]] std::string_view change_status_name(ChangeStatus status) noexcept;
[[nodiscard]] std::optional<ChangeStatus> change_status_from_name(std::string_view name) noexcept;

struct ChangeArtifact {
  std::string path;
  std::string sha256;
};

struct ChangeSigner {
  std::string subject;
  std::string fingerprint_sha256;
  bool trusted = false;
  std::string publisher;
};

// One controller change (docs/download-gate.md "Change records").
struct ChangeRecord {
  std::int64_t id = 0;  // assigned by insert_change()
  TimePoint started_at{};
  std::optional<TimePoint> finished_at;
  std::string user;  // who: the account that ran the gate
  std::int64_t uid = -1;
  std::string host;
  std::string target;
  std::string artifact_class;
  std::string
      operation;  // download | download-all | online-edit | program-append | firmware-update
  std::vector<ChangeArtifact> artifacts;
  std::vector<ChangeSigner> signers;
  std::string ticket;         // given at download time (--ticket)
  std::string signed_ticket;  // in the signed Statement
  std::string window;         // the maintenance window that was open
  std::string decision;       // allow | deny
  bool enforced = true;
  std::string mode;  // enforce | audit
  std::vector<Reason> reasons;
  std::string rule;
  std::string version;                   // signed version
  std::optional<std::uint64_t> counter;  // signed security counter
  std::vector<std::string> techniques;   // ATT&CK for ICS technique ids
  std::vector<std::string> command;      // argv of CMD
  ChangeStatus status = ChangeStatus::kDenied;
  std::optional<int> exit_status;  // CMD's (128 + N when killed by signal N)
  bool rollback_advanced = false;
  std::string policy_sha256;
  std::string signature_path;
};

// Moves the rollback state of (target, class) forward to at least these values.
struct RollbackAdvance {
  std::string target;
  std::string artifact_class;
  std::optional<std::uint64_t> counter;
  std::optional<std::string> version;  // stored only when it is a semantic version
  TimePoint at{};
};

struct ChangeQuery {
  std::optional<std::string> target;  // glob over the target
  std::optional<TimePoint> since;     // started at or after
};

class StateDb {
 public:
  // Opens (with create: creates the file and its directory) and brings the schema up to date.
  // A file written by a newer signet (unknown schema version) is refused.
  [[nodiscard]] static Result<StateDb> open(const std::filesystem::path& path, bool create);
  // For readers (`signet verify`, `signet changes`): nullopt when the file does not exist.
  [[nodiscard]] static Result<std::optional<StateDb>> open_existing(
      const std::filesystem::path& path);

  StateDb(StateDb&&) noexcept = default;
  StateDb& operator=(StateDb&&) noexcept = default;
  ~StateDb() = default;

  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

  // What was last installed on (target, class); empty when nothing was.
  [[nodiscard]] Result<policy::InstalledState> installed(const std::string& target,
                                                         const std::string& artifact_class);
  // Inserts the record (its id is ignored) and returns the new id.
  [[nodiscard]] Result<std::int64_t> insert_change(const ChangeRecord& record);
  // One transaction: the record's outcome, and with `advance` the rollback state moved forward
  // (never back: each value becomes the maximum of the stored and the new one).
  [[nodiscard]] Result<void> finish_change(std::int64_t id, TimePoint finished_at,
                                           ChangeStatus status, std::optional<int> exit_status,
                                           const std::optional<RollbackAdvance>& advance);
  [[nodiscard]] Result<std::vector<ChangeRecord>> changes(const ChangeQuery& query);

 private:
  struct Closer {
    void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
  };
  StateDb(std::unique_ptr<sqlite3, Closer> db, std::filesystem::path path)
      : db_(std::move(db)), path_(std::move(path)) {}
  [[nodiscard]] Result<void> migrate();

  std::unique_ptr<sqlite3, Closer> db_;
  std::filesystem::path path_;
};

}  // namespace signet::gate
