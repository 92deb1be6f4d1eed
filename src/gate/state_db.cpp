// SQLite behind StateDb. WAL journal (readers never wait for a gate), synchronous=FULL (a
// committed change record survives a power cut), a busy timeout for concurrent gates, and
// BEGIN IMMEDIATE for every read-modify-write so that two processes serialize on the write lock.
#include "gate/state_db.hpp"

#include <algorithm>
#include <charconv>
#include <limits>
#include <nlohmann/json.hpp>
#include <system_error>
#include <utility>

#include "gate/sqlite_db.hpp"
#include "policy/semver.hpp"
#include "policy/subject_pattern.hpp"

namespace signet::gate {
namespace {

using nlohmann::json;
using sqlite::exec;
using sqlite::open_handle;
using sqlite::schema_version;
using sqlite::Statement;
using sqlite::use_wal_full_sync;
using sqlite::WriteTransaction;

constexpr int kSchemaVersion = 1;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS rollback_state (
  target      TEXT NOT NULL,
  class       TEXT NOT NULL,
  counter     TEXT,              -- decimal uint64: the highest security counter installed
  version     TEXT,              -- the highest semantic version installed
  updated_at  INTEGER NOT NULL,  -- unix seconds
  change_id   INTEGER,
  PRIMARY KEY (target, class)
);
CREATE TABLE IF NOT EXISTS changes (
  id                 INTEGER PRIMARY KEY AUTOINCREMENT,
  started_at         INTEGER NOT NULL,
  finished_at        INTEGER,
  user               TEXT NOT NULL,
  uid                INTEGER NOT NULL,
  host               TEXT NOT NULL,
  target             TEXT NOT NULL,
  class              TEXT NOT NULL,
  operation          TEXT NOT NULL,
  artifacts          TEXT NOT NULL,  -- JSON [{path, sha256}]
  signers            TEXT NOT NULL,  -- JSON [{subject, fingerprint_sha256, trusted, publisher}]
  ticket             TEXT NOT NULL,
  signed_ticket      TEXT NOT NULL,
  maintenance_window TEXT NOT NULL,
  decision           TEXT NOT NULL,
  enforced           INTEGER NOT NULL,
  mode               TEXT NOT NULL,
  reasons            TEXT NOT NULL,  -- JSON [{code, detail}]
  rule               TEXT NOT NULL,
  version            TEXT NOT NULL,
  counter            TEXT,
  techniques         TEXT NOT NULL,  -- JSON [id]
  command            TEXT NOT NULL,  -- JSON [argv]
  status             TEXT NOT NULL,
  exit_status        INTEGER,
  rollback_advanced  INTEGER NOT NULL DEFAULT 0,
  policy_sha256      TEXT NOT NULL,
  signature_path     TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS changes_by_target ON changes (target, started_at);
)sql";

std::optional<std::uint64_t> parse_counter(const std::string& text) {
  std::uint64_t value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc{} || ptr != end) return std::nullopt;
  return value;
}

TimePoint from_unix(std::int64_t seconds) { return TimePoint{std::chrono::seconds{seconds}}; }
std::int64_t to_unix(TimePoint t) { return t.time_since_epoch().count(); }

json artifacts_json(const std::vector<ChangeArtifact>& artifacts) {
  json out = json::array();
  for (const auto& a : artifacts) out.push_back({{"path", a.path}, {"sha256", a.sha256}});
  return out;
}

json signers_json(const std::vector<ChangeSigner>& signers) {
  json out = json::array();
  for (const auto& s : signers) {
    out.push_back({{"subject", s.subject},
                   {"fingerprint_sha256", s.fingerprint_sha256},
                   {"trusted", s.trusted},
                   {"publisher", s.publisher}});
  }
  return out;
}

json reasons_json(const std::vector<Reason>& reasons) {
  json out = json::array();
  for (const auto& r : reasons) {
    out.push_back({{"code", std::string(reason_name(r.code))}, {"detail", r.detail}});
  }
  return out;
}

std::string dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Reads back what this file wrote; anything else (a hand-edited row) reads as empty, never crashes.
json parse_array(const std::string& text) {
  json value = json::parse(text, nullptr, false);
  return value.is_array() ? value : json::array();
}

std::string string_of(const json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

ChangeRecord read_record(const Statement& row) {
  ChangeRecord r;
  r.id = row.integer(0);
  r.started_at = from_unix(row.integer(1));
  if (!row.is_null(2)) r.finished_at = from_unix(row.integer(2));
  r.user = row.text(3);
  r.uid = row.integer(4);
  r.host = row.text(5);
  r.target = row.text(6);
  r.artifact_class = row.text(7);
  r.operation = row.text(8);
  for (const auto& a : parse_array(row.text(9))) {
    if (a.is_object()) r.artifacts.push_back({string_of(a, "path"), string_of(a, "sha256")});
  }
  for (const auto& s : parse_array(row.text(10))) {
    if (!s.is_object()) continue;
    const auto trusted = s.find("trusted");
    r.signers.push_back({string_of(s, "subject"), string_of(s, "fingerprint_sha256"),
                         trusted != s.end() && trusted->is_boolean() && trusted->get<bool>(),
                         string_of(s, "publisher")});
  }
  r.ticket = row.text(11);
  r.signed_ticket = row.text(12);
  r.window = row.text(13);
  r.decision = row.text(14);
  r.enforced = row.integer(15) != 0;
  r.mode = row.text(16);
  for (const auto& reason : parse_array(row.text(17))) {
    if (!reason.is_object()) continue;
    const auto code = reason_from_name(string_of(reason, "code"));
    if (code) r.reasons.push_back({*code, string_of(reason, "detail")});
  }
  r.rule = row.text(18);
  r.version = row.text(19);
  if (!row.is_null(20)) r.counter = parse_counter(row.text(20));
  for (const auto& t : parse_array(row.text(21))) {
    if (t.is_string()) r.techniques.push_back(t.get<std::string>());
  }
  for (const auto& arg : parse_array(row.text(22))) {
    if (arg.is_string()) r.command.push_back(arg.get<std::string>());
  }
  r.status = change_status_from_name(row.text(23)).value_or(ChangeStatus::kRunning);
  if (!row.is_null(24)) r.exit_status = static_cast<int>(row.integer(24));
  r.rollback_advanced = row.integer(25) != 0;
  r.policy_sha256 = row.text(26);
  r.signature_path = row.text(27);
  return r;
}

}  // namespace

std::filesystem::path resolve_state_db(const std::string& option, const policy::Policy* policy) {
  if (!option.empty()) return option;
  if (policy != nullptr && policy->state_db()) return *policy->state_db();
  return std::filesystem::path(kDefaultStateDb);
}

std::string_view change_status_name(ChangeStatus status) noexcept {
  switch (status) {
    case ChangeStatus::kDenied:
      return "denied";
    case ChangeStatus::kRunning:
      return "running";
    case ChangeStatus::kSucceeded:
      return "succeeded";
    case ChangeStatus::kFailed:
      return "failed";
    case ChangeStatus::kNotRun:
      return "not-run";
  }
  return "running";
}

std::optional<ChangeStatus> change_status_from_name(std::string_view name) noexcept {
  for (const auto s : {ChangeStatus::kDenied, ChangeStatus::kRunning, ChangeStatus::kSucceeded,
                       ChangeStatus::kFailed, ChangeStatus::kNotRun}) {
    if (change_status_name(s) == name) return s;
  }
  return std::nullopt;
}

Result<StateDb> StateDb::open(const std::filesystem::path& path, bool create) {
  if (create && path.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) {
      return fail(Errc::kIo, "state database: cannot create " + path.parent_path().string() + ": " +
                                 ec.message());
    }
  }
  const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
  auto handle = open_handle(path, flags);
  if (!handle) return std::unexpected(handle.error());
  StateDb db(std::unique_ptr<sqlite3, Closer>(handle->release()), path);
  if (auto migrated = db.migrate(); !migrated) return std::unexpected(migrated.error());
  return db;
}

Result<std::optional<StateDb>> StateDb::open_existing(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::optional<StateDb>();
  auto handle = open_handle(path, SQLITE_OPEN_READWRITE);
  if (!handle) handle = open_handle(path, SQLITE_OPEN_READONLY);  // an auditor's read-only copy
  if (!handle) return std::unexpected(handle.error());
  StateDb db(std::unique_ptr<sqlite3, Closer>(handle->release()), path);
  auto version = Statement::prepare(db.db_.get(), "PRAGMA user_version");
  if (!version) return std::unexpected(version.error());
  auto row = version->step();
  if (!row) return std::unexpected(row.error());
  if (!*row || version->integer(0) != kSchemaVersion) {
    return fail(Errc::kIo, "state database " + path.string() + ": schema version " +
                               std::to_string(*row ? version->integer(0) : 0) +
                               ", this signet reads version " + std::to_string(kSchemaVersion));
  }
  return std::optional<StateDb>(std::move(db));
}

Result<void> StateDb::migrate() {
  sqlite3* db = db_.get();
  if (auto journal = use_wal_full_sync(db); !journal) return journal;
  auto tx = WriteTransaction::begin(db);
  if (!tx) return std::unexpected(tx.error());
  auto version = schema_version(db, "state database", path_, kSchemaVersion);
  if (!version) return std::unexpected(version.error());
  const std::int64_t current = *version;
  if (current < kSchemaVersion) {
    if (auto schema = exec(db, kSchema); !schema) return schema;
    if (auto set = exec(db, "PRAGMA user_version = 1"); !set) return set;
  }
  return tx->commit();
}

Result<policy::InstalledState> StateDb::installed(const std::string& target,
                                                  const std::string& artifact_class) {
  auto stmt = Statement::prepare(
      db_.get(),
      "SELECT counter, version, updated_at FROM rollback_state WHERE target = ?1 AND class = ?2");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind(1, target);
  stmt->bind(2, artifact_class);
  auto row = stmt->step();
  if (!row) return std::unexpected(row.error());
  policy::InstalledState state;
  if (!*row) return state;
  if (!stmt->is_null(0)) {
    state.counter = parse_counter(stmt->text(0));
    if (!state.counter) {
      return fail(Errc::kIo, "state database: unreadable counter for " + target);
    }
  }
  if (!stmt->is_null(1)) state.version = stmt->text(1);
  state.updated_at = from_unix(stmt->integer(2));
  return state;
}

Result<std::int64_t> StateDb::insert_change(const ChangeRecord& r) {
  auto tx = WriteTransaction::begin(db_.get());
  if (!tx) return std::unexpected(tx.error());
  auto stmt = Statement::prepare(db_.get(), R"sql(
    INSERT INTO changes (started_at, finished_at, user, uid, host, target, class, operation,
      artifacts, signers, ticket, signed_ticket, maintenance_window, decision, enforced, mode,
      reasons, rule, version, counter, techniques, command, status, exit_status,
      rollback_advanced, policy_sha256, signature_path)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
      ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27))sql");
  if (!stmt) return std::unexpected(stmt.error());
  json techniques = r.techniques;
  json command = r.command;
  stmt->bind(1, to_unix(r.started_at));
  if (r.finished_at)
    stmt->bind(2, to_unix(*r.finished_at));
  else
    stmt->bind_null(2);
  stmt->bind(3, r.user);
  stmt->bind(4, r.uid);
  stmt->bind(5, r.host);
  stmt->bind(6, r.target);
  stmt->bind(7, r.artifact_class);
  stmt->bind(8, r.operation);
  stmt->bind(9, dump(artifacts_json(r.artifacts)));
  stmt->bind(10, dump(signers_json(r.signers)));
  stmt->bind(11, r.ticket);
  stmt->bind(12, r.signed_ticket);
  stmt->bind(13, r.window);
  stmt->bind(14, r.decision);
  stmt->bind(15, std::int64_t{r.enforced ? 1 : 0});
  stmt->bind(16, r.mode);
  stmt->bind(17, dump(reasons_json(r.reasons)));
  stmt->bind(18, r.rule);
  stmt->bind(19, r.version);
  if (r.counter)
    stmt->bind(20, std::to_string(*r.counter));
  else
    stmt->bind_null(20);
  stmt->bind(21, dump(techniques));
  stmt->bind(22, dump(command));
  stmt->bind(23, std::string(change_status_name(r.status)));
  if (r.exit_status)
    stmt->bind(24, std::int64_t{*r.exit_status});
  else
    stmt->bind_null(24);
  stmt->bind(25, std::int64_t{r.rollback_advanced ? 1 : 0});
  stmt->bind(26, r.policy_sha256);
  stmt->bind(27, r.signature_path);
  if (auto done = stmt->step(); !done) return std::unexpected(done.error());
  const std::int64_t id = sqlite3_last_insert_rowid(db_.get());
  if (auto committed = tx->commit(); !committed) return std::unexpected(committed.error());
  return id;
}

Result<void> StateDb::finish_change(std::int64_t id, TimePoint finished_at, ChangeStatus status,
                                    std::optional<int> exit_status,
                                    const std::optional<RollbackAdvance>& advance) {
  auto tx = WriteTransaction::begin(db_.get());
  if (!tx) return std::unexpected(tx.error());
  bool advanced = false;
  if (advance && (advance->counter || advance->version)) {
    auto current = installed(advance->target, advance->artifact_class);
    if (!current) return std::unexpected(current.error());
    std::optional<std::uint64_t> counter = current->counter;
    if (advance->counter && (!counter || *advance->counter > *counter)) counter = advance->counter;
    std::optional<std::string> version = current->version;
    if (const auto next =
            advance->version ? policy::SemVer::parse(*advance->version) : std::nullopt) {
      const auto stored = version ? policy::SemVer::parse(*version) : std::nullopt;
      if (!stored || *next > *stored) version = next->text();
    }
    advanced = counter != current->counter || version != current->version;
    if (advanced) {
      auto upsert = Statement::prepare(db_.get(), R"sql(
        INSERT INTO rollback_state (target, class, counter, version, updated_at, change_id)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6)
        ON CONFLICT (target, class) DO UPDATE SET counter = excluded.counter,
          version = excluded.version, updated_at = excluded.updated_at,
          change_id = excluded.change_id)sql");
      if (!upsert) return std::unexpected(upsert.error());
      upsert->bind(1, advance->target);
      upsert->bind(2, advance->artifact_class);
      if (counter)
        upsert->bind(3, std::to_string(*counter));
      else
        upsert->bind_null(3);
      if (version)
        upsert->bind(4, *version);
      else
        upsert->bind_null(4);
      upsert->bind(5, to_unix(advance->at));
      upsert->bind(6, id);
      if (auto done = upsert->step(); !done) return std::unexpected(done.error());
    }
  }
  auto update = Statement::prepare(db_.get(), R"sql(
    UPDATE changes SET finished_at = ?1, status = ?2, exit_status = ?3, rollback_advanced = ?4
    WHERE id = ?5)sql");
  if (!update) return std::unexpected(update.error());
  update->bind(1, to_unix(finished_at));
  update->bind(2, std::string(change_status_name(status)));
  if (exit_status)
    update->bind(3, std::int64_t{*exit_status});
  else
    update->bind_null(3);
  update->bind(4, std::int64_t{advanced ? 1 : 0});
  update->bind(5, id);
  if (auto done = update->step(); !done) return std::unexpected(done.error());
  if (sqlite3_changes(db_.get()) != 1) {
    return fail(Errc::kIo, "state database: change record " + std::to_string(id) + " not found");
  }
  return tx->commit();
}

Result<std::vector<ChangeRecord>> StateDb::changes(const ChangeQuery& query) {
  auto stmt = Statement::prepare(db_.get(), R"sql(
    SELECT id, started_at, finished_at, user, uid, host, target, class, operation, artifacts,
      signers, ticket, signed_ticket, maintenance_window, decision, enforced, mode, reasons, rule,
      version, counter, techniques, command, status, exit_status, rollback_advanced,
      policy_sha256, signature_path
    FROM changes WHERE started_at >= ?1 ORDER BY id)sql");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind(1, query.since ? to_unix(*query.since) : std::numeric_limits<std::int64_t>::min());
  std::vector<ChangeRecord> out;
  while (true) {
    auto row = stmt->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    ChangeRecord record = read_record(*stmt);
    if (query.target && !policy::glob_match(*query.target, record.target)) continue;
    out.push_back(std::move(record));
  }
  return out;
}

}  // namespace signet::gate
