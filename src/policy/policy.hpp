// The trust policy: what the operator wrote (PolicySpec, parsed from TOML without touching any
// file) and what signet enforces (Policy: the spec with its trust anchors and CRLs loaded).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/hex.hpp"
#include "crypto/x509_verify.hpp"
#include "policy/subject_pattern.hpp"
#include "policy/telemetry_spec.hpp"
#include "policy/window.hpp"

namespace signet::policy {

// 'text': how reason details quote ids and names.
inline std::string single_quoted(const std::string& text) { return "'" + text + "'"; }

enum class Mode { kEnforce, kAudit };
[[nodiscard]] std::string_view mode_name(Mode mode) noexcept;  // "enforce" | "audit"

// When a signer's certificate chain is judged (issue 5 adds the last two as deliberate choices).
enum class VerifyTime { kTimestamp, kNow, kIgnoreExpiry };
[[nodiscard]] std::string_view verify_time_name(VerifyTime v) noexcept;  // "timestamp" | ...

// What a change outside all of a rule's maintenance windows gets: OUTSIDE_WINDOW either denies
// or is reported on an allowed decision (an alert).
enum class OutsideWindow { kDeny, kAlert };
[[nodiscard]] std::string_view outside_window_name(OutsideWindow v) noexcept;  // "deny" | "alert"

// What a rule's rollback protection compares per target: the Statement's security counter, or
// its version as a semantic version.
enum class Rollback { kCounter, kVersion };
[[nodiscard]] std::string_view rollback_name(Rollback v) noexcept;  // "counter" | "version"

struct TrustStoreSpec {
  std::string name;
  std::vector<std::string> anchors;                     // PEM files, relative to the policy file
  std::vector<std::string> crls;                        // PEM or DER CRL files
  std::optional<std::vector<std::string>> tsa_anchors;  // default: the store's own anchors
  bool allow_partial_chain = false;
  VerifyTime verify_time = VerifyTime::kTimestamp;
};

struct PublisherSpec {
  std::string name;
  std::string store;
  std::string subject;                          // pattern, see subject_pattern.hpp
  std::optional<std::vector<std::string>> eku;  // names or dotted OIDs; absent = codeSigning
  // Instead of store + subject: a minisign or signify public key ("RW..." base64 line).
  std::optional<std::string> minisign_key;
  std::optional<std::string> signify_key;
};

struct RuleSpec {
  std::string id;
  std::string artifact_class;  // glob over the class ("*" for any)
  std::string target = "*";    // glob over the target
  std::vector<std::string> publishers;
  bool require_timestamp = false;
  std::optional<Mode> mode;          // per-rule override of the global mode
  std::int64_t min_signers = 1;      // distinct trusted signers (two-person rule: 2)
  bool require_ticket = false;       // signed ticket, equal to the one given at the point
  std::vector<std::string> windows;  // names of [window.NAME] tables; empty = any time
  std::optional<OutsideWindow> outside_window;  // only with windows; absent = deny
  std::optional<Rollback> rollback;             // absent = no rollback protection
};

// [gate]: what the execution gate reads besides the rules (docs/exec-gate.md).
struct GateSpec {
  std::vector<std::string> trust_bundles;  // native trust-bundle signatures, relative to the policy
  std::vector<std::string> interpreters;   // executables whose opens are judged as scripts
};

// [[guard]]: project files at rest that the listed engineering tools may open only when signed.
struct GuardSpec {
  std::string path;                // a file, or a folder (recursive); absolute or policy-relative
  std::string artifact_class;      // "project-file"
  std::vector<std::string> tools;  // executables (resolved like interpreters)
};

struct PolicySpec {
  Mode mode = Mode::kEnforce;
  std::vector<TrustStoreSpec> trust_stores;
  std::vector<PublisherSpec> publishers;
  std::vector<RuleSpec> rules;
  std::optional<TelemetrySpec> telemetry;  // [telemetry]: event sinks and the audit log
  std::vector<WindowSpec> windows;         // [window.NAME]
  std::optional<std::string> state_db;     // rollback state and change records (SQLite)
  std::optional<GateSpec> gate;            // [gate]
  std::vector<GuardSpec> guards;           // [[guard]]
};

// Pure: parses TOML text. Unknown keys anywhere, wrong types, missing required keys, duplicate
// names, references to undefined stores or publishers are Errc::kPolicyInvalid with the place
// ("rule[2] 'plc': unknown key 'publisher' (line 14)"; rule indexes count from 0).
// N.B. fuzzed with clang/libc++: parse_policy, validate_policy_spec, policy_eku_oid and
// SubjectPattern live in policy_parse.cpp, policy_validate.cpp and subject_pattern.cpp, which use
// only the standard library and header-only toml++.
[[nodiscard]] Result<PolicySpec> parse_policy(std::string_view toml_text);

// Pure: the checks that need the whole spec (names unique, every referenced store and publisher
// defined, subject patterns and EKUs valid). parse_policy() runs it; from_spec() runs it again for
// specs built in code.
[[nodiscard]] Result<void> validate_policy_spec(const PolicySpec& spec);

// Pure mirror of crypto::eku_oid_from_name for the parser (which must not need OpenSSL): the EKU
// names a policy may use, or a dotted OID, to the dotted OID; nullopt when neither. A unit test
// keeps the two tables in agreement.
[[nodiscard]] std::optional<std::string> policy_eku_oid(std::string_view name_or_oid);

struct TrustStore {
  std::string name;
  crypto::AnchorSet anchors;      // anchors + CRLs
  crypto::AnchorSet tsa_anchors;  // roots a TSA may chain to
  bool allow_partial_chain = false;
  bool require_crls = false;  // true when the store lists CRLs: revocation is then mandatory
  VerifyTime verify_time = VerifyTime::kTimestamp;
};

// A publisher known by a raw Ed25519 key instead of a certificate (minisign, signify).
struct PublisherKey {
  enum class Kind { kMinisign, kSignify };
  Kind kind = Kind::kMinisign;
  Bytes key_id;      // 8 bytes, as stored in the key and in its signatures
  Bytes public_key;  // 32 bytes
};

struct Publisher {
  std::string name;
  std::string store;  // name of a TrustStore in the same Policy ("" for a key publisher)
  std::optional<SubjectPattern> subject;  // nullopt for a key publisher
  std::vector<std::string> eku_oids;      // dotted; empty = the certificate must have no EKU
  std::optional<PublisherKey> key;        // set instead of store + subject
};

struct Rule {
  std::string id;
  std::string artifact_class;
  std::string target;
  std::vector<std::string> publishers;
  bool require_timestamp = false;
  std::optional<Mode> mode;
  std::size_t min_signers = 1;
  bool require_ticket = false;
  std::vector<std::string> windows;  // names of the policy's windows
  OutsideWindow outside_window = OutsideWindow::kDeny;
  std::optional<Rollback> rollback;
};

// Where time zone files are read from: $TZDIR when set, else /usr/share/zoneinfo (Debian tzdata).
[[nodiscard]] std::filesystem::path default_zoneinfo_dir();

// A Policy that exists is valid: every store loaded, every reference resolved.
class Policy {
 public:
  // Reads the file, parses it, loads anchors/CRLs relative to the file's directory and the time
  // zones of its windows (TZif files under zoneinfo_dir; "UTC" needs none).
  [[nodiscard]] static Result<Policy> load(
      const std::filesystem::path& file,
      const std::filesystem::path& zoneinfo_dir = default_zoneinfo_dir());
  [[nodiscard]] static Result<Policy> from_spec(
      const PolicySpec& spec, const std::filesystem::path& base_dir,
      const std::filesystem::path& zoneinfo_dir = default_zoneinfo_dir());

  [[nodiscard]] Mode mode() const noexcept { return mode_; }
  [[nodiscard]] const std::vector<TrustStore>& trust_stores() const noexcept { return stores_; }
  [[nodiscard]] const std::vector<Publisher>& publishers() const noexcept { return publishers_; }
  [[nodiscard]] const std::vector<Rule>& rules() const noexcept { return rules_; }
  [[nodiscard]] const TrustStore* find_store(std::string_view name) const noexcept;
  [[nodiscard]] const Publisher* find_publisher(std::string_view name) const noexcept;
  // SHA-256 of the policy text, for evidence ("" when built from a spec).
  [[nodiscard]] const std::string& source_sha256() const noexcept { return source_sha256_; }
  // [telemetry] as written; its relative paths are relative to base_dir().
  [[nodiscard]] const std::optional<TelemetrySpec>& telemetry() const noexcept {
    return telemetry_;
  }
  [[nodiscard]] const std::filesystem::path& base_dir() const noexcept { return base_dir_; }
  [[nodiscard]] const std::vector<Window>& windows() const noexcept { return windows_; }
  [[nodiscard]] const Window* find_window(std::string_view name) const noexcept;
  // `state_db` as written, relative paths resolved against base_dir(); nullopt when absent.
  [[nodiscard]] const std::optional<std::filesystem::path>& state_db() const noexcept {
    return state_db_;
  }
  // [gate] and [[guard]] as written (paths not resolved: the execution gate resolves them against
  // base_dir() when it builds its configuration).
  [[nodiscard]] const std::optional<GateSpec>& gate() const noexcept { return gate_; }
  [[nodiscard]] const std::vector<GuardSpec>& guards() const noexcept { return guards_; }

 private:
  Policy() = default;
  Mode mode_ = Mode::kEnforce;
  std::vector<TrustStore> stores_;
  std::vector<Publisher> publishers_;
  std::vector<Rule> rules_;
  std::string source_sha256_;
  std::optional<TelemetrySpec> telemetry_;
  std::filesystem::path base_dir_;
  std::vector<Window> windows_;
  std::optional<std::filesystem::path> state_db_;
  std::optional<GateSpec> gate_;
  std::vector<GuardSpec> guards_;
};

}  // namespace signet::policy
