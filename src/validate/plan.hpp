// The validation plan (docs/validate.md): which enforcement points to test, with which signing
// identities, where their events go, and the register of assets and workflows that cannot enforce
// signatures. parse_plan() is pure and fuzzed (standard library and toml++ only; no file access):
// relative paths stay as written, the caller resolves them against the plan's directory.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace signet::validate {

// The kinds of enforcement point validate knows how to drive.
enum class PointKind {
  kVerify,    // `signet verify` (a script or station that checks before it acts)
  kDownload,  // `signet gate download` in front of a (stand-in) controller's download tool
  kCommand,   // any external enforcement command: {artifact} and {sig} placeholders, exit statuses
  kExec,      // `signet gate exec`: execute items on a gated mount
  kGuard,     // `signet gate exec` with [[guard]]: open and write guarded project files
};
[[nodiscard]] std::string_view point_kind_name(PointKind kind) noexcept;

// Change-control rules the site requires at a point; each adds its case to the point's list.
enum class ChangeControl { kTwoPerson, kTicket, kWindow, kRollback };
[[nodiscard]] std::string_view change_control_name(ChangeControl control) noexcept;

// A signing identity for generated items: a key (pkcs11: URI, or file: for test material) with its
// certificate and chain.
struct IdentitySpec {
  std::string name;
  std::string key;
  std::string cert;
  std::vector<std::string> chain;
  std::vector<std::string> crls;  // embedded in its signatures
};

// [negative]: the identities the adversarial cases sign with.
struct NegativeSpec {
  std::optional<std::string> untrusted;  // chains to a root the site does not trust
  std::optional<std::string> wrong_eku;  // trusted chain, no codeSigning EKU
  std::optional<std::string> expired;    // certificate expired (signed while valid, no timestamp)
  std::optional<std::string> revoked;    // certificate revoked by the site's CRL
  std::optional<std::string> weak;       // outside the profile (RSA-1024, SHA-1 certificate)
};

// [soc]: the syslog receiver validate starts on loopback for the duration of the run.
struct SocSpec {
  std::string listen;              // "127.0.0.1:5514": TCP (RFC 6587) and UDP (RFC 5426)
  std::uint32_t settle_ms = 5000;  // how long to wait for late events after the last case
};

struct PointSpec {
  std::string name;
  PointKind kind = PointKind::kVerify;
  std::string policy;                   // the point's trust policy (verify, download, exec, guard)
  std::string artifact_class;           // class the point is for
  std::string target;                   // target the point is for (literal)
  std::string publisher;                // identity: the designated test publisher
  std::optional<std::string> cosigner;  // identity: the second person (control is cosigned)
  std::optional<std::string> tsa;       // identity: time-stamping authority for the items
  std::optional<std::string> ticket;    // the change ticket the control carries
  std::uint64_t counter = 1;            // security counter of the control
  std::vector<ChangeControl> change_control;
  std::optional<std::string> closed_at;  // RFC 3339: a moment the point's windows are closed
  std::string operation;                 // download: download | download-all | ...
  std::string scope;                     // download of firmware: system | module
  std::vector<std::string> command;      // command: the enforcement command; download: controller
  std::vector<int> allowed_exit{0};      // command: statuses that mean "allowed"
  std::vector<int> blocked_exit;         // command: statuses that mean "blocked" (empty: any other)
  std::vector<std::string> events;       // sink files (default: the file sinks of the policy)
  std::string artifact_name;             // file name of the items (default by class)
  std::vector<std::string> cases;        // subset of the applicable cases (empty: all of them)
  std::uint32_t timeout_seconds = 60;    // per item
  std::string watch;                     // exec, guard: the gated directory items are placed in
  std::vector<std::string> interpreter;  // exec with class script: interpreter command
};

// [[gap]]: an asset or workflow that cannot enforce signatures, and what compensates.
enum class GapLack { kEnforcement, kLogging };
[[nodiscard]] std::string_view gap_lack_name(GapLack lack) noexcept;

struct GapSpec {
  std::string asset;
  std::string workflow;
  std::string reason;
  std::vector<GapLack> lacks;
  std::string change_approval;  // compensating controls (at least one)
  std::string monitoring;
  std::string access_control;
};

struct PlanSpec {
  std::string title;
  std::optional<SocSpec> soc;
  std::vector<IdentitySpec> identities;
  NegativeSpec negative;
  std::vector<PointSpec> points;
  std::vector<GapSpec> gaps;

  [[nodiscard]] const IdentitySpec* find_identity(std::string_view name) const noexcept;
};

// TOML text -> PlanSpec, every reference checked (identities, case names, keys a kind needs).
// Errors are Errc::kPlanInvalid naming the place: "point[1] 'plc1': unknown key 'clas' (line 12)".
[[nodiscard]] Result<PlanSpec> parse_plan(std::string_view toml_text);

}  // namespace signet::validate
