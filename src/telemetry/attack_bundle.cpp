#include "telemetry/attack_bundle.hpp"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

namespace signet::telemetry {
namespace {

using nlohmann::json;

std::string str(const json& o, const char* key) {
  const auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool flag(const json& o, const char* key) {
  const auto it = o.find(key);
  return it != o.end() && it->is_boolean() && it->get<bool>();
}

// The ATT&CK id of an object: external_id of a reference from MITRE (source "mitre-attack" or
// "mitre-ics-attack"; both occur in the published bundles).
std::string external_id(const json& o) {
  const auto refs = o.find("external_references");
  if (refs == o.end() || !refs->is_array()) return {};
  for (const auto& ref : *refs) {
    if (!ref.is_object()) continue;
    const std::string source = str(ref, "source_name");
    if (source == "mitre-attack" || source == "mitre-ics-attack") {
      const std::string id = str(ref, "external_id");
      if (!id.empty()) return id;
    }
  }
  return {};
}

std::vector<std::string> strings(const json& o, const char* key) {
  std::vector<std::string> out;
  const auto it = o.find(key);
  if (it == o.end() || !it->is_array()) return out;
  for (const auto& v : *it) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

void sort_unique(std::vector<std::string>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

}  // namespace

Result<AttackBundleReport> read_attack_bundle(std::string_view json_text,
                                              std::string_view mitigation) {
  const json bundle = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (bundle.is_discarded()) return fail(Errc::kMalformed, "the bundle is not JSON");
  if (!bundle.is_object() || str(bundle, "type") != "bundle" || !bundle.contains("objects") ||
      !bundle["objects"].is_array()) {
    return fail(Errc::kMalformed, "not a STIX bundle (type \"bundle\" with \"objects\")");
  }
  const json& objects = bundle["objects"];
  std::map<std::string, const json*> by_id;
  for (const auto& o : objects) {
    if (!o.is_object()) continue;
    const std::string id = str(o, "id");
    if (!id.empty()) by_id.emplace(id, &o);
  }

  AttackBundleReport report;
  report.objects = objects.size();
  std::string mitigation_ref;
  for (const auto& [id, o] : by_id) {
    if (str(*o, "type") == "course-of-action" && external_id(*o) == mitigation) {
      mitigation_ref = id;
      report.mitigation_id = std::string(mitigation);
      report.mitigation_name = str(*o, "name");
      break;
    }
  }
  if (mitigation_ref.empty()) {
    return fail(Errc::kMalformed, "the bundle has no course-of-action " + std::string(mitigation));
  }

  bool has_strategies = false;
  for (const auto& [id, o] : by_id) {
    if (str(*o, "type") == "x-mitre-detection-strategy") has_strategies = true;
  }
  report.generation = has_strategies ? "detection-strategies (v18+)" : "data-sources (<= v17)";

  std::map<std::string, BundleTechnique> techniques;  // by STIX id
  for (const auto& o : objects) {
    if (!o.is_object() || str(o, "type") != "relationship" ||
        str(o, "relationship_type") != "mitigates" || str(o, "source_ref") != mitigation_ref) {
      continue;
    }
    const auto target = by_id.find(str(o, "target_ref"));
    if (target == by_id.end() || str(*target->second, "type") != "attack-pattern") continue;
    const json& t = *target->second;
    BundleTechnique& technique = techniques[target->first];
    technique.id = external_id(t);
    technique.name = str(t, "name");
    technique.revoked = flag(t, "revoked");
    technique.deprecated = flag(t, "x_mitre_deprecated");
    technique.subtechnique = flag(t, "x_mitre_is_subtechnique");
    technique.relationship_revoked = flag(o, "revoked") || flag(o, "x_mitre_deprecated");
    for (auto& ds : strings(t, "x_mitre_data_sources")) technique.data_components.push_back(ds);
  }

  // `detects` relationships: from data components (<= v17) or detection strategies (v18+).
  for (const auto& o : objects) {
    if (!o.is_object() || str(o, "type") != "relationship" ||
        str(o, "relationship_type") != "detects") {
      continue;
    }
    const auto technique = techniques.find(str(o, "target_ref"));
    const auto source = by_id.find(str(o, "source_ref"));
    if (technique == techniques.end() || source == by_id.end()) continue;
    const json& s = *source->second;
    const std::string type = str(s, "type");
    if (type == "x-mitre-data-component") {
      technique->second.data_components.push_back(str(s, "name"));
    } else if (type == "x-mitre-detection-strategy") {
      technique->second.detection_strategies.push_back(external_id(s) + " " + str(s, "name"));
      for (const auto& analytic_ref : strings(s, "x_mitre_analytic_refs")) {
        const auto analytic = by_id.find(analytic_ref);
        if (analytic == by_id.end()) continue;
        const auto sources = analytic->second->find("x_mitre_log_source_references");
        if (sources == analytic->second->end() || !sources->is_array()) continue;
        for (const auto& ls : *sources) {
          if (!ls.is_object()) continue;
          const auto component = by_id.find(str(ls, "x_mitre_data_component_ref"));
          if (component != by_id.end()) {
            technique->second.data_components.push_back(str(*component->second, "name"));
          }
        }
      }
    }
  }
  for (auto& [id, t] : techniques) {
    sort_unique(t.data_components);
    sort_unique(t.detection_strategies);
    report.techniques.push_back(std::move(t));
  }
  std::sort(report.techniques.begin(), report.techniques.end(),
            [](const auto& a, const auto& b) { return a.id < b.id; });
  return report;
}

}  // namespace signet::telemetry
