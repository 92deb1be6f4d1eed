// SQLite behind InventoryDb. WAL journal (readers never wait for a scan), synchronous=FULL (a
// committed scan survives a power cut), one BEGIN IMMEDIATE transaction per scan.
#include "inventory/inventory_db.hpp"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "gate/sqlite_db.hpp"
#include "inventory/path_text.hpp"

namespace signet::inventory {
namespace {

using gate::sqlite::exec;
using gate::sqlite::open_handle;
using gate::sqlite::schema_version;
using gate::sqlite::Statement;
using gate::sqlite::use_wal_full_sync;
using gate::sqlite::WriteTransaction;
using nlohmann::json;

constexpr int kSchemaVersion = 1;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS scans (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  started_at    INTEGER NOT NULL,  -- unix seconds
  finished_at   INTEGER NOT NULL,
  host          TEXT NOT NULL,
  roots         TEXT NOT NULL,     -- JSON array of paths, escaped as in docs/inventory.md
  excludes      TEXT NOT NULL,     -- JSON array of globs
  cross_mounts  INTEGER NOT NULL,
  policy_sha256 TEXT NOT NULL,     -- '' when signatures were judged by cryptography only
  files INTEGER NOT NULL DEFAULT 0, symlinks INTEGER NOT NULL DEFAULT 0,
  hashed INTEGER NOT NULL DEFAULT 0, reused INTEGER NOT NULL DEFAULT 0,
  bytes_hashed INTEGER NOT NULL DEFAULT 0, unreadable INTEGER NOT NULL DEFAULT 0,
  errors INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS paths (
  id   INTEGER PRIMARY KEY,
  path BLOB NOT NULL UNIQUE          -- raw bytes
);
CREATE TABLE IF NOT EXISTS objects (  -- one observed state of a path, shared by the scans that saw it
  id INTEGER PRIMARY KEY,
  type TEXT NOT NULL,                 -- file | symlink
  dev INTEGER NOT NULL, ino INTEGER NOT NULL, size INTEGER NOT NULL, mode INTEGER NOT NULL,
  uid INTEGER NOT NULL, gid INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, ctime_ns INTEGER NOT NULL,
  sha256 TEXT,                        -- NULL: not read (symlink, or error)
  kind TEXT NOT NULL, kind_detail TEXT NOT NULL,
  link_target BLOB,
  sig_state TEXT NOT NULL,            -- unsigned | valid | invalid | unverified
  sig_format TEXT NOT NULL, signer TEXT NOT NULL, signer_fingerprint TEXT NOT NULL,
  sig_trusted INTEGER NOT NULL, sig_by_policy INTEGER NOT NULL,
  sig_reasons TEXT NOT NULL,          -- JSON [{code, detail}]
  sig_detail TEXT NOT NULL,
  sig_path BLOB,                      -- the separate signature file, raw bytes
  sidecar_state TEXT NOT NULL,
  error TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS entries (
  scan_id   INTEGER NOT NULL,
  path_id   INTEGER NOT NULL,
  object_id INTEGER NOT NULL,
  PRIMARY KEY (scan_id, path_id)
) WITHOUT ROWID;
)sql";

constexpr const char* kObjectColumns =
    "o.type, o.dev, o.ino, o.size, o.mode, o.uid, o.gid, o.mtime_ns, o.ctime_ns, o.sha256, o.kind, "
    "o.kind_detail, o.link_target, o.sig_state, o.sig_format, o.signer, o.signer_fingerprint, "
    "o.sig_trusted, o.sig_by_policy, o.sig_reasons, o.sig_detail, o.sig_path, o.sidecar_state, "
    "o.error";

constexpr const char* kScanColumns =
    "id, started_at, finished_at, host, roots, excludes, cross_mounts, policy_sha256, files, "
    "symlinks, hashed, reused, bytes_hashed, unreadable, errors";

std::int64_t to_unix(TimePoint t) { return t.time_since_epoch().count(); }
TimePoint from_unix(std::int64_t s) { return TimePoint{std::chrono::seconds{s}}; }
std::int64_t as_int(std::uint64_t v) { return static_cast<std::int64_t>(v); }
std::uint64_t as_uint(std::int64_t v) { return static_cast<std::uint64_t>(v); }

std::string dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string paths_json(const std::vector<std::string>& raw) {
  json out = json::array();
  for (const auto& p : raw) out.push_back(escape_path(p));
  return dump(out);
}

std::vector<std::string> paths_from_json(const std::string& text, bool decode) {
  std::vector<std::string> out;
  const json value = json::parse(text, nullptr, false);
  if (!value.is_array()) return out;
  for (const auto& item : value) {
    if (!item.is_string()) continue;
    if (!decode) {
      out.push_back(item.get<std::string>());
    } else if (auto raw = decode_path(item.get<std::string>())) {
      out.push_back(std::move(*raw));
    }
  }
  return out;
}

std::string reasons_column(const std::vector<Reason>& reasons) {
  json out = json::array();
  for (const auto& r : reasons) {
    out.push_back({{"code", std::string(reason_name(r.code))}, {"detail", r.detail}});
  }
  return dump(out);
}

std::vector<Reason> reasons_from_json(const std::string& text) {
  std::vector<Reason> out;
  const json value = json::parse(text, nullptr, false);
  if (!value.is_array()) return out;
  for (const auto& item : value) {
    if (!item.is_object() || !item.contains("code") || !item["code"].is_string()) continue;
    const auto code = reason_from_name(item["code"].get<std::string>());
    const auto detail = item.find("detail");
    if (code) {
      out.push_back({*code, detail != item.end() && detail->is_string() ? detail->get<std::string>()
                                                                        : std::string()});
    }
  }
  return out;
}

// Columns kObjectColumns starting at `at`.
FileRecord read_object(const Statement& row, int at) {
  FileRecord r;
  r.type = row.text(at) == "symlink" ? EntryType::kSymlink : EntryType::kFile;
  r.dev = as_uint(row.integer(at + 1));
  r.ino = as_uint(row.integer(at + 2));
  r.size = as_uint(row.integer(at + 3));
  r.mode = static_cast<std::uint32_t>(row.integer(at + 4));
  r.uid = static_cast<std::uint32_t>(row.integer(at + 5));
  r.gid = static_cast<std::uint32_t>(row.integer(at + 6));
  r.mtime_ns = row.integer(at + 7);
  r.ctime_ns = row.integer(at + 8);
  if (!row.is_null(at + 9)) r.sha256 = row.text(at + 9);
  r.kind = kind_from_name(row.text(at + 10)).value_or(FileKind::kOther);
  r.kind_detail = row.text(at + 11);
  r.link_target = row.blob(at + 12);
  auto& s = r.signature;
  s.state = signature_state_from_name(row.text(at + 13)).value_or(SignatureState::kUnsigned);
  s.format = row.text(at + 14);
  s.signer = row.text(at + 15);
  s.signer_fingerprint = row.text(at + 16);
  s.trusted = row.integer(at + 17) != 0;
  s.by_policy = row.integer(at + 18) != 0;
  s.reasons = reasons_from_json(row.text(at + 19));
  s.detail = row.text(at + 20);
  s.signature_path = row.blob(at + 21);
  r.sidecar_state = row.text(at + 22);
  r.error = row.text(at + 23);
  return r;
}

ScanInfo read_scan(const Statement& row) {
  ScanInfo s;
  s.id = row.integer(0);
  s.started_at = from_unix(row.integer(1));
  s.finished_at = from_unix(row.integer(2));
  s.host = row.text(3);
  s.roots = paths_from_json(row.text(4), true);
  s.excludes = paths_from_json(row.text(5), false);
  s.cross_mounts = row.integer(6) != 0;
  s.policy_sha256 = row.text(7);
  s.files = as_uint(row.integer(8));
  s.symlinks = as_uint(row.integer(9));
  s.hashed = as_uint(row.integer(10));
  s.reused = as_uint(row.integer(11));
  s.bytes_hashed = as_uint(row.integer(12));
  s.unreadable = as_uint(row.integer(13));
  s.errors = as_uint(row.integer(14));
  return s;
}

// `path` is `root` or lies below it.
bool under(std::string_view path, std::string_view root) {
  if (root == "/") return !path.empty() && path.front() == '/';
  return path.size() >= root.size() && path.compare(0, root.size(), root) == 0 &&
         (path.size() == root.size() || path[root.size()] == '/');
}

}  // namespace

// ---- ScanWriter -------------------------------------------------------------------------------

struct ScanWriter::Statements {
  Statement find_path, insert_path, insert_object, insert_entry;
};

ScanWriter::ScanWriter(sqlite3* db, std::int64_t scan_id, std::unique_ptr<Statements> statements)
    : db_(db), scan_id_(scan_id), statements_(std::move(statements)) {}

ScanWriter::ScanWriter(ScanWriter&& other) noexcept
    : db_(other.db_),
      scan_id_(other.scan_id_),
      statements_(std::move(other.statements_)),
      open_(std::exchange(other.open_, false)) {}

ScanWriter::~ScanWriter() {
  if (open_) {
    statements_.reset();  // finalize before the rollback
    (void)exec(db_, "ROLLBACK");
  }
}

Result<std::int64_t> ScanWriter::path_id(const std::string& path) {
  auto& find = statements_->find_path;
  find.reset();
  find.bind_blob(1, path);
  auto row = find.step();
  if (!row) return std::unexpected(row.error());
  if (*row) return find.integer(0);
  auto& insert = statements_->insert_path;
  insert.reset();
  insert.bind_blob(1, path);
  if (auto done = insert.step(); !done) return std::unexpected(done.error());
  return sqlite3_last_insert_rowid(db_);
}

Result<void> ScanWriter::insert_entry(std::int64_t path, std::int64_t object) {
  auto& insert = statements_->insert_entry;
  insert.reset();
  insert.bind(1, scan_id_);
  insert.bind(2, path);
  insert.bind(3, object);
  if (auto done = insert.step(); !done) return std::unexpected(done.error());
  return {};
}

Result<void> ScanWriter::add(const FileRecord& r) {
  auto path = path_id(r.path);
  if (!path) return std::unexpected(path.error());
  auto& o = statements_->insert_object;
  o.reset();
  o.bind(1, std::string(entry_type_name(r.type)));
  o.bind(2, as_int(r.dev));
  o.bind(3, as_int(r.ino));
  o.bind(4, as_int(r.size));
  o.bind(5, std::int64_t{r.mode});
  o.bind(6, std::int64_t{r.uid});
  o.bind(7, std::int64_t{r.gid});
  o.bind(8, r.mtime_ns);
  o.bind(9, r.ctime_ns);
  if (r.sha256.empty()) {
    o.bind_null(10);
  } else {
    o.bind(10, r.sha256);
  }
  o.bind(11, std::string(kind_name(r.kind)));
  o.bind(12, r.kind_detail);
  if (r.type == EntryType::kSymlink) {
    o.bind_blob(13, r.link_target);
  } else {
    o.bind_null(13);
  }
  const auto& s = r.signature;
  o.bind(14, std::string(signature_state_name(s.state)));
  o.bind(15, s.format);
  o.bind(16, s.signer);
  o.bind(17, s.signer_fingerprint);
  o.bind(18, std::int64_t{s.trusted ? 1 : 0});
  o.bind(19, std::int64_t{s.by_policy ? 1 : 0});
  o.bind(20, reasons_column(s.reasons));
  o.bind(21, s.detail);
  if (s.signature_path.empty()) {
    o.bind_null(22);
  } else {
    o.bind_blob(22, s.signature_path);
  }
  o.bind(23, r.sidecar_state);
  o.bind(24, r.error);
  if (auto done = o.step(); !done) return std::unexpected(done.error());
  return insert_entry(*path, sqlite3_last_insert_rowid(db_));
}

Result<void> ScanWriter::reuse(const PreviousEntry& previous) {
  return insert_entry(previous.path_id, previous.object_id);
}

Result<void> ScanWriter::commit(const ScanSummary& s, TimePoint finished_at) {
  auto update = Statement::prepare(db_, R"sql(
    UPDATE scans SET finished_at = ?2, files = ?3, symlinks = ?4, hashed = ?5, reused = ?6,
      bytes_hashed = ?7, unreadable = ?8, errors = ?9 WHERE id = ?1)sql");
  if (!update) return std::unexpected(update.error());
  update->bind(1, scan_id_);
  update->bind(2, to_unix(finished_at));
  update->bind(3, as_int(s.files));
  update->bind(4, as_int(s.symlinks));
  update->bind(5, as_int(s.hashed));
  update->bind(6, as_int(s.reused));
  update->bind(7, as_int(s.bytes_hashed));
  update->bind(8, as_int(s.unreadable));
  update->bind(9, as_int(s.errors + s.vanished));
  if (auto done = update->step(); !done) return std::unexpected(done.error());
  statements_.reset();
  if (auto done = exec(db_, "COMMIT"); !done) return done;
  open_ = false;
  return {};
}

// ---- InventoryDb ------------------------------------------------------------------------------

Result<InventoryDb> InventoryDb::open(const std::filesystem::path& path) {
  if (path.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) {
      return fail(Errc::kIo, "inventory database: cannot create " + path.parent_path().string() +
                                 ": " + ec.message());
    }
  }
  auto handle = open_handle(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (!handle) return std::unexpected(handle.error());
  InventoryDb db(std::unique_ptr<sqlite3, Closer>(handle->release()), path);
  if (auto migrated = db.migrate(); !migrated) return std::unexpected(migrated.error());
  return db;
}

Result<InventoryDb> InventoryDb::open_existing(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return fail(Errc::kIo,
                "inventory database " + path.string() + " does not exist (run signet scan first)");
  }
  auto handle = open_handle(path, SQLITE_OPEN_READWRITE);
  if (!handle) handle = open_handle(path, SQLITE_OPEN_READONLY);
  if (!handle) return std::unexpected(handle.error());
  InventoryDb db(std::unique_ptr<sqlite3, Closer>(handle->release()), path);
  auto version = Statement::prepare(db.db_.get(), "PRAGMA user_version");
  if (!version) return std::unexpected(version.error());
  auto row = version->step();
  if (!row) return std::unexpected(row.error());
  if (!*row || version->integer(0) != kSchemaVersion) {
    return fail(Errc::kIo, "inventory database " + path.string() + ": schema version " +
                               std::to_string(*row ? version->integer(0) : 0) +
                               ", this signet reads version " + std::to_string(kSchemaVersion));
  }
  return db;
}

Result<void> InventoryDb::migrate() {
  sqlite3* db = db_.get();
  if (auto journal = use_wal_full_sync(db); !journal) return journal;
  auto tx = WriteTransaction::begin(db);
  if (!tx) return std::unexpected(tx.error());
  auto version = schema_version(db, "inventory database", path_, kSchemaVersion);
  if (!version) return std::unexpected(version.error());
  const std::int64_t current = *version;
  if (current < kSchemaVersion) {
    // An existing file that is not an inventory (e.g. the gate's state database) is refused.
    auto tables = Statement::prepare(
        db,
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT IN "
        "('scans', 'paths', 'objects', 'entries', 'sqlite_sequence')");
    if (!tables) return std::unexpected(tables.error());
    if (auto r = tables->step(); !r) return std::unexpected(r.error());
    if (tables->integer(0) != 0) {
      return fail(Errc::kIo, path_.string() + " is not an inventory database");
    }
    if (auto schema = exec(db, kSchema); !schema) return schema;
    if (auto set = exec(db, "PRAGMA user_version = 1"); !set) return set;
  }
  return tx->commit();
}

Result<std::vector<ScanInfo>> InventoryDb::scans() {
  auto stmt = Statement::prepare(db_.get(),
                                 std::string("SELECT ") + kScanColumns + " FROM scans ORDER BY id");
  if (!stmt) return std::unexpected(stmt.error());
  std::vector<ScanInfo> out;
  for (;;) {
    auto row = stmt->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    out.push_back(read_scan(*stmt));
  }
  return out;
}

Result<std::optional<ScanInfo>> InventoryDb::one_scan(const char* where, std::int64_t arg) {
  auto stmt =
      Statement::prepare(db_.get(), std::string("SELECT ") + kScanColumns + " FROM scans " + where);
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind(1, arg);
  auto row = stmt->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<ScanInfo>();
  return std::optional<ScanInfo>(read_scan(*stmt));
}

Result<std::optional<ScanInfo>> InventoryDb::scan(std::int64_t id) {
  return one_scan("WHERE id = ?1", id);
}

Result<std::optional<ScanInfo>> InventoryDb::latest_scan() {
  return one_scan("WHERE ?1 = ?1 ORDER BY id DESC LIMIT 1", 0);
}

Result<std::optional<ScanInfo>> InventoryDb::scan_before(std::int64_t id) {
  return one_scan("WHERE id < ?1 ORDER BY id DESC LIMIT 1", id);
}

Result<PreviousState> InventoryDb::previous_state(const std::vector<std::string>& roots,
                                                  const std::string& policy_sha256, unsigned shard,
                                                  unsigned shards) {
  auto all = scans();
  if (!all) return std::unexpected(all.error());
  // root -> the latest scan that covered it with the same policy
  std::map<std::int64_t, std::vector<std::string>> by_scan;
  for (const auto& root : roots) {
    for (auto it = all->rbegin(); it != all->rend(); ++it) {
      if (it->policy_sha256 != policy_sha256) continue;
      const bool covers = std::any_of(it->roots.begin(), it->roots.end(),
                                      [&](const std::string& r) { return under(root, r); });
      if (covers) {
        by_scan[it->id].push_back(root);
        break;
      }
    }
  }
  PreviousState state;
  std::size_t expected = 0;
  for (const auto& [scan_id, scan_roots] : by_scan) {
    const auto it =
        std::find_if(all->begin(), all->end(), [&](const auto& s) { return s.id == scan_id; });
    if (it != all->end()) expected += it->files + it->symlinks;
  }
  expected /= std::max(1u, shards);
  state.reserve(expected);
  for (const auto& [scan_id, scan_roots] : by_scan) {
    auto stmt = Statement::prepare(db_.get(), R"sql(
      SELECT p.path, e.path_id, e.object_id, o.type, o.dev, o.ino, o.size, o.mode, o.uid, o.gid,
             o.mtime_ns, o.ctime_ns, o.kind, o.sig_state, o.link_target, o.sidecar_state
      FROM entries e JOIN paths p ON p.id = e.path_id JOIN objects o ON o.id = e.object_id
      WHERE e.scan_id = ?1 AND e.path_id % ?2 = ?3 AND o.error = '')sql");
    if (!stmt) return std::unexpected(stmt.error());
    stmt->bind(1, scan_id);
    stmt->bind(2, std::int64_t{std::max(1u, shards)});
    stmt->bind(3, std::int64_t{shard});
    for (;;) {
      auto row = stmt->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) break;
      const std::string_view path = stmt->blob_view(0);
      const bool wanted = std::any_of(scan_roots.begin(), scan_roots.end(),
                                      [&](const std::string& r) { return under(path, r); });
      if (!wanted) continue;
      PreviousEntry e;
      e.path_id = stmt->integer(1);
      e.object_id = stmt->integer(2);
      e.type = stmt->text_view(3) == "symlink" ? EntryType::kSymlink : EntryType::kFile;
      e.dev = as_uint(stmt->integer(4));
      e.ino = as_uint(stmt->integer(5));
      e.size = as_uint(stmt->integer(6));
      e.mode = static_cast<std::uint32_t>(stmt->integer(7));
      e.uid = static_cast<std::uint32_t>(stmt->integer(8));
      e.gid = static_cast<std::uint32_t>(stmt->integer(9));
      e.mtime_ns = stmt->integer(10);
      e.ctime_ns = stmt->integer(11);
      e.kind = kind_from_name(stmt->text_view(12)).value_or(FileKind::kOther);
      e.state = signature_state_from_name(stmt->text_view(13)).value_or(SignatureState::kUnsigned);
      e.link_target = stmt->blob(14);
      e.sidecar_state = stmt->text(15);
      state.add(path, std::move(e));
    }
  }
  return state;
}

Result<ScanWriter> InventoryDb::begin_scan(const ScanInfo& header) {
  sqlite3* db = db_.get();
  if (auto begun = exec(db, "BEGIN IMMEDIATE"); !begun) {
    return fail(Errc::kIo, begun.error().message + " (another scan is writing this database?)");
  }
  // From here on the destructor of the writer (or this guard, until the writer exists) rolls back.
  struct Guard {
    sqlite3* db;
    bool armed = true;
    ~Guard() {
      if (armed) (void)exec(db, "ROLLBACK");
    }
  } guard{db};
  auto insert = Statement::prepare(db, R"sql(
    INSERT INTO scans (started_at, finished_at, host, roots, excludes, cross_mounts, policy_sha256)
    VALUES (?1, ?1, ?2, ?3, ?4, ?5, ?6))sql");
  if (!insert) return std::unexpected(insert.error());
  insert->bind(1, to_unix(header.started_at));
  insert->bind(2, header.host);
  insert->bind(3, paths_json(header.roots));
  json excludes = header.excludes;
  insert->bind(4, dump(excludes));
  insert->bind(5, std::int64_t{header.cross_mounts ? 1 : 0});
  insert->bind(6, header.policy_sha256);
  if (auto done = insert->step(); !done) return std::unexpected(done.error());
  const std::int64_t scan_id = sqlite3_last_insert_rowid(db);

  auto find_path = Statement::prepare(db, "SELECT id FROM paths WHERE path = ?1");
  auto insert_path = Statement::prepare(db, "INSERT INTO paths (path) VALUES (?1)");
  auto insert_object = Statement::prepare(db, R"sql(
    INSERT INTO objects (type, dev, ino, size, mode, uid, gid, mtime_ns, ctime_ns, sha256, kind,
      kind_detail, link_target, sig_state, sig_format, signer, signer_fingerprint, sig_trusted,
      sig_by_policy, sig_reasons, sig_detail, sig_path, sidecar_state, error)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,
      ?20, ?21, ?22, ?23, ?24))sql");
  auto insert_entry = Statement::prepare(
      db, "INSERT INTO entries (scan_id, path_id, object_id) VALUES (?1, ?2, ?3)");
  for (auto* s : {&find_path, &insert_path, &insert_object, &insert_entry}) {
    if (!*s) return std::unexpected(s->error());
  }
  auto statements = std::make_unique<ScanWriter::Statements>(
      ScanWriter::Statements{std::move(*find_path), std::move(*insert_path),
                             std::move(*insert_object), std::move(*insert_entry)});
  guard.armed = false;
  return ScanWriter(db, scan_id, std::move(statements));
}

Result<std::vector<StoredEntry>> InventoryDb::entries(std::int64_t scan_id) {
  auto stmt = Statement::prepare(
      db_.get(), std::string("SELECT p.path, e.path_id, e.object_id, ") + kObjectColumns +
                     " FROM entries e JOIN paths p ON p.id = e.path_id JOIN objects o ON o.id = "
                     "e.object_id WHERE e.scan_id = ?1 ORDER BY p.path");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind(1, scan_id);
  std::vector<StoredEntry> out;
  for (;;) {
    auto row = stmt->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    StoredEntry e;
    e.record = read_object(*stmt, 3);
    e.record.path = stmt->blob(0);
    e.path_id = stmt->integer(1);
    e.object_id = stmt->integer(2);
    out.push_back(std::move(e));
  }
  return out;
}

Result<std::vector<EntryPair>> InventoryDb::differing(std::int64_t before, std::int64_t after) {
  // Paths whose object differs, and paths on one side only (no FULL JOIN needed).
  auto pairs = Statement::prepare(db_.get(), R"sql(
    SELECT a.path_id, a.object_id, b.object_id FROM entries a
      LEFT JOIN entries b ON b.scan_id = ?2 AND b.path_id = a.path_id
      WHERE a.scan_id = ?1 AND (b.object_id IS NULL OR b.object_id != a.object_id)
    UNION ALL
    SELECT b.path_id, NULL, b.object_id FROM entries b
      WHERE b.scan_id = ?2 AND NOT EXISTS
        (SELECT 1 FROM entries a WHERE a.scan_id = ?1 AND a.path_id = b.path_id))sql");
  if (!pairs) return std::unexpected(pairs.error());
  pairs->bind(1, before);
  pairs->bind(2, after);
  auto path = Statement::prepare(db_.get(), "SELECT path FROM paths WHERE id = ?1");
  auto object = Statement::prepare(
      db_.get(), std::string("SELECT ") + kObjectColumns + " FROM objects o WHERE o.id = ?1");
  if (!path) return std::unexpected(path.error());
  if (!object) return std::unexpected(object.error());
  const auto load = [&](std::int64_t id) -> Result<FileRecord> {
    object->reset();
    object->bind(1, id);
    auto row = object->step();
    if (!row) return std::unexpected(row.error());
    if (!*row)
      return fail(Errc::kIo, "inventory database: object " + std::to_string(id) + " missing");
    return read_object(*object, 0);
  };
  std::vector<EntryPair> out;
  for (;;) {
    auto row = pairs->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    EntryPair pair;
    path->reset();
    path->bind(1, pairs->integer(0));
    auto found = path->step();
    if (!found) return std::unexpected(found.error());
    pair.path = *found ? path->blob(0) : std::string();
    for (const auto& [column, side] : {std::pair{1, &pair.before}, std::pair{2, &pair.after}}) {
      if (pairs->is_null(column)) continue;
      auto record = load(pairs->integer(column));
      if (!record) return std::unexpected(record.error());
      record->path = pair.path;
      *side = std::move(*record);
    }
    out.push_back(std::move(pair));
  }
  std::sort(out.begin(), out.end(),
            [](const EntryPair& a, const EntryPair& b) { return a.path < b.path; });
  return out;
}

}  // namespace signet::inventory
