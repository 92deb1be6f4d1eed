// signet attack import BUNDLE.json [--json]: what a MITRE ATT&CK for ICS STIX bundle says about
// M0945, compared with the technique table signet's events use.
#include <algorithm>
#include <iostream>
#include <memory>

#include "cli/cli_support.hpp"
#include "cli/commands.hpp"
#include "core/file_io.hpp"
#include "telemetry/attack_bundle.hpp"
#include "telemetry/attack_techniques.hpp"
#include "telemetry/decision_json.hpp"

namespace signet::cli {
namespace {

struct AttackOptions {
  std::string bundle;
  bool json = false;
};

int run_attack_import(const AttackOptions& o) {
  auto text = read_file_text(o.bundle, std::size_t{256} << 20);
  if (!text) return report_error(text.error());
  auto report = telemetry::read_attack_bundle(*text);
  if (!report) return report_error(report.error());

  std::vector<std::string> bundle_ids;
  for (const auto& t : report->techniques) bundle_ids.push_back(t.id);
  std::vector<std::string> only_builtin;
  for (const auto& t : telemetry::m0945_techniques()) {
    if (std::find(bundle_ids.begin(), bundle_ids.end(), t.id) == bundle_ids.end()) {
      only_builtin.emplace_back(t.id);
    }
  }
  nlohmann::json techniques = nlohmann::json::array();
  for (const auto& t : report->techniques) {
    const auto* builtin = telemetry::find_technique(t.id);
    techniques.push_back({{"id", t.id},
                          {"name", t.name},
                          {"revoked", t.revoked},
                          {"deprecated", t.deprecated},
                          {"subtechnique", t.subtechnique},
                          {"mitigation_relationship_revoked", t.relationship_revoked},
                          {"in_signet_table", builtin != nullptr},
                          {"signet_name", builtin ? nlohmann::json(std::string(builtin->name))
                                                  : nlohmann::json(nullptr)},
                          {"data_components", t.data_components},
                          {"detection_strategies", t.detection_strategies}});
  }
  const nlohmann::json out = {
      {"bundle", o.bundle},
      {"objects", report->objects},
      {"mitigation", {{"id", report->mitigation_id}, {"name", report->mitigation_name}}},
      {"generation", report->generation},
      {"techniques", techniques},
      {"signet_only", only_builtin}};
  if (o.json) {
    std::cout << telemetry::dump_json(out, 2) << '\n';
    return kExitOk;
  }
  std::cout << report->mitigation_id << ' ' << report->mitigation_name << ": "
            << report->techniques.size() << " technique(s) in " << o.bundle << " ("
            << report->generation << ", " << report->objects << " objects)\n";
  for (const auto& t : report->techniques) {
    const auto* builtin = telemetry::find_technique(t.id);
    std::cout << "  " << t.id << ' ' << t.name << (t.revoked ? " [REVOKED]" : "")
              << (t.deprecated ? " [DEPRECATED]" : "")
              << (builtin == nullptr ? "  (not in signet's table)"
                  : builtin->name != t.name
                      ? "  (signet names it \"" + std::string(builtin->name) + "\")"
                      : "")
              << '\n';
    for (const auto& dc : t.data_components) std::cout << "      data component: " << dc << '\n';
    for (const auto& ds : t.detection_strategies)
      std::cout << "      detection strategy: " << ds << '\n';
  }
  if (!only_builtin.empty()) {
    std::cout << "  in signet's table but not mitigated by " << report->mitigation_id
              << " in this bundle:";
    for (const auto& id : only_builtin) std::cout << ' ' << id;
    std::cout << '\n';
  }
  return kExitOk;
}

}  // namespace

void add_attack_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<AttackOptions>();
  auto* cmd = app.add_subcommand("attack", "MITRE ATT&CK for ICS data");
  cmd->require_subcommand(1);
  auto* import = cmd->add_subcommand(
      "import", "Report M0945's techniques, names and data components from a STIX bundle");
  import->add_option("bundle", o->bundle, "ATT&CK for ICS STIX bundle (JSON)")->required();
  import->add_flag("--json", o->json, "Print the report as JSON");
  import->callback([o, &exit_code] { exit_code = run_attack_import(*o);
});
}  // namespace signet::cli

}  // namespace signet::cli
