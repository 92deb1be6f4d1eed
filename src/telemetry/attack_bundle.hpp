// Reads a MITRE ATT&CK for ICS STIX 2.x bundle and reports what it says about mitigation M0945:
// the techniques it mitigates (from `mitigates` relationships, never from a built-in list), their
// names, revoked/deprecated flags, and the data components that detect them, for both data
// generations: up to v17 (`x_mitre_data_sources` strings and `detects` relationships from
// x-mitre-data-component), and v18+ (x-mitre-detection-strategy `detects` a technique and lists
// x-mitre-analytic objects whose x_mitre_log_source_references name data components).
// Pure and fuzzed: the standard library and header-only nlohmann-json only.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace signet::telemetry {

struct BundleTechnique {
  std::string id;  // "T0843" (external_id)
  std::string name;
  bool revoked = false;
  bool deprecated = false;
  bool subtechnique = false;
  std::vector<std::string> data_components;  // sorted, unique ("Firmware: Firmware Modification")
  std::vector<std::string> detection_strategies;  // v18+: "DET0738 Detection of ..."
  bool relationship_revoked = false;  // the `mitigates` relationship itself is revoked/deprecated
};

struct AttackBundleReport {
  std::string mitigation_id;    // "M0945"
  std::string mitigation_name;  // "Code Signing"
  std::string generation;       // "data-sources (<= v17)" | "detection-strategies (v18+)"
  std::vector<BundleTechnique> techniques;  // sorted by id
  std::size_t objects = 0;
};

// `mitigation` is the external id to report on (M0945 unless told otherwise).
[[nodiscard]] Result<AttackBundleReport> read_attack_bundle(std::string_view json_text,
                                                            std::string_view mitigation = "M0945");

}  // namespace signet::telemetry
