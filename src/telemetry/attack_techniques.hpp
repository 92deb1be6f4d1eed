// MITRE ATT&CK for ICS techniques that mitigation M0945 (Code Signing) addresses, and which of them
// an event names: from the enforcement point, the operation and the artifact class.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace signet::telemetry {

inline constexpr std::string_view kAttackFramework = "MITRE ATT&CK for ICS";
inline constexpr std::string_view kCodeSigningMitigation = "M0945";

struct Technique {
  std::string_view id;    // "T0843.001"
  std::string_view name;  // "Program Download: Download All"
};

// The 15 techniques of M0945 as of ATT&CK for ICS v19, in table order (docs/events.md).
[[nodiscard]] std::span<const Technique> m0945_techniques() noexcept;
[[nodiscard]] const Technique* find_technique(std::string_view id) noexcept;

// What the enforcement point knows about the attempt, beyond the artifact class.
struct TechniqueFacts {
  std::string_view point;           // "verify", "exec-gate", "download-gate", "firmware-gate", ...
  std::string_view operation;       // "download-all", "online-edit", "program-append", ...
  std::string_view artifact_class;  // "plc-program", ... ("" when unknown)
  std::string_view file_name;       // decides Siemens project formats (T0873.001)
  std::string_view firmware_scope;  // "system" | "module" | "" (unknown)
  bool differs_from_baseline = false;  // signer or digest differs from supplier/baseline: T0862
};

// Technique ids, most specific first within a family, no duplicates. Pure.
[[nodiscard]] std::vector<std::string> techniques_for(const TechniqueFacts& facts);

// Siemens engineering project formats: TIA Portal .apNN / archives .zapNN, STEP 7 .s7p / .s7l.
[[nodiscard]] bool is_siemens_project_file(std::string_view file_name) noexcept;

}  // namespace signet::telemetry
