// Small RAII helpers around the SQLite C API for signet's databases (the gate's state database,
// the inventory): prepared statements, BEGIN IMMEDIATE transactions rolled back unless committed,
// errors as Result.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "core/error.hpp"

namespace signet::gate::sqlite {

inline constexpr int kBusyTimeoutMs = 30'000;

// "database /var/lib/signet/state.db: step: database is locked"
inline std::string db_label(sqlite3* db) {
  const char* file = db != nullptr ? sqlite3_db_filename(db, "main") : nullptr;
  return file != nullptr && *file != '\0' ? std::string("database ") + file : "database";
}

inline std::unexpected<Error> db_error(sqlite3* db, const std::string& what) {
  return fail(Errc::kIo, db_label(db) + ": " + what + ": " +
                             (db != nullptr ? sqlite3_errmsg(db) : "out of memory"));
}

class Statement {
 public:
  static Result<Statement> prepare(sqlite3* db, std::string_view sql) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &raw, nullptr) !=
        SQLITE_OK) {
      return db_error(db, "prepare");
    }
    return Statement(db, raw);
  }
  void bind(int index, const std::string& text) {
    sqlite3_bind_text(stmt_.get(), index, text.data(), static_cast<int>(text.size()),
                      SQLITE_TRANSIENT);
  }
  void bind(int index, std::int64_t value) { sqlite3_bind_int64(stmt_.get(), index, value); }
  void bind_null(int index) { sqlite3_bind_null(stmt_.get(), index); }
  // Raw bytes (file names are not text on Linux).
  void bind_blob(int index, std::string_view bytes) {
    sqlite3_bind_blob64(stmt_.get(), index, bytes.data(), bytes.size(), SQLITE_TRANSIENT);
  }
  // Ready to run again with new bindings (prepared once, stepped many times).
  void reset() {
    sqlite3_reset(stmt_.get());
    sqlite3_clear_bindings(stmt_.get());
  }
  // SQLITE_ROW or SQLITE_DONE; anything else is an error.
  Result<bool> step() {
    const int rc = sqlite3_step(stmt_.get());
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return db_error(db_, "step");
  }
  [[nodiscard]] std::string text(int column) const {
    const auto* p = sqlite3_column_text(stmt_.get(), column);
    return p == nullptr
               ? std::string()
               : std::string(reinterpret_cast<const char*>(p),
                             static_cast<std::size_t>(sqlite3_column_bytes(stmt_.get(), column)));
  }
  [[nodiscard]] std::string blob(int column) const {
    const auto* p = sqlite3_column_blob(stmt_.get(), column);
    return p == nullptr
               ? std::string()
               : std::string(static_cast<const char*>(p),
                             static_cast<std::size_t>(sqlite3_column_bytes(stmt_.get(), column)));
  }
  // Views into SQLite's row buffer: valid until the next step() or reset().
  [[nodiscard]] std::string_view blob_view(int column) const {
    const auto* p = sqlite3_column_blob(stmt_.get(), column);
    return p == nullptr ? std::string_view()
                        : std::string_view(
                              static_cast<const char*>(p),
                              static_cast<std::size_t>(sqlite3_column_bytes(stmt_.get(), column)));
  }
  [[nodiscard]] std::string_view text_view(int column) const {
    const auto* p = sqlite3_column_text(stmt_.get(), column);
    return p == nullptr ? std::string_view()
                        : std::string_view(
                              reinterpret_cast<const char*>(p),
                              static_cast<std::size_t>(sqlite3_column_bytes(stmt_.get(), column)));
  }
  [[nodiscard]] std::int64_t integer(int column) const {
    return sqlite3_column_int64(stmt_.get(), column);
  }
  [[nodiscard]] bool is_null(int column) const {
    return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL;
  }

 private:
  struct Finalizer {
    void operator()(sqlite3_stmt* s) const noexcept { sqlite3_finalize(s); }
  };
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  sqlite3* db_;
  std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
};

inline Result<void> exec(sqlite3* db, const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message != nullptr ? message : sqlite3_errmsg(db);
    sqlite3_free(message);
    return fail(Errc::kIo, db_label(db) + ": " + text);
  }
  return {};
}

// A write transaction: BEGIN IMMEDIATE takes the write lock up front (waiting up to the busy
// timeout), so the reads inside it see what the commit will be based on. Rolled back unless
// committed.
class WriteTransaction {
 public:
  static Result<WriteTransaction> begin(sqlite3* db) {
    if (auto begun = exec(db, "BEGIN IMMEDIATE"); !begun) return std::unexpected(begun.error());
    return WriteTransaction(db);
  }
  WriteTransaction(WriteTransaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}
  WriteTransaction& operator=(WriteTransaction&&) = delete;
  ~WriteTransaction() {
    if (db_ != nullptr) (void)exec(db_, "ROLLBACK");
  }
  Result<void> commit() {
    auto done = exec(db_, "COMMIT");
    if (done) db_ = nullptr;
    return done;
  }

 private:
  explicit WriteTransaction(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

// Opens with a busy timeout (concurrent gates wait for each other's write lock instead of failing).
// The journal settings both signet databases use: WAL (a property of the file; setting it again is
// a no-op, and it needs no transaction) and full synchronous commits.
inline Result<void> use_wal_full_sync(sqlite3* db) {
  if (auto wal = exec(db, "PRAGMA journal_mode=WAL"); !wal) return wal;
  return exec(db, "PRAGMA synchronous=FULL");
}

// PRAGMA user_version: the schema version a signet database records (0 for a new file). A version
// newer than `supported` (a file written by a later signet) is Errc::kIo, naming `what` and `path`.
inline Result<std::int64_t> schema_version(sqlite3* db, const std::string& what,
                                           const std::filesystem::path& path,
                                           std::int64_t supported) {
  auto version = Statement::prepare(db, "PRAGMA user_version");
  if (!version) return std::unexpected(version.error());
  auto row = version->step();
  if (!row) return std::unexpected(row.error());
  const std::int64_t current = *row ? version->integer(0) : 0;
  if (current > supported) {
    return fail(Errc::kIo, what + " " + path.string() + " has schema version " +
                               std::to_string(current) + ", newer than this signet's " +
                               std::to_string(supported));
  }
  return current;
}

inline Result<std::unique_ptr<sqlite3, void (*)(sqlite3*)>> open_handle(
    const std::filesystem::path& path, int flags) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  std::unique_ptr<sqlite3, void (*)(sqlite3*)> db(raw, [](sqlite3* d) { sqlite3_close_v2(d); });
  if (rc != SQLITE_OK) return db_error(raw, "cannot open " + path.string());
  sqlite3_busy_timeout(raw, kBusyTimeoutMs);
  sqlite3_extended_result_codes(raw, 1);
  return db;
}

}  // namespace signet::gate::sqlite
