// signet changes [--target GLOB] [--since TIME] [--json] [--state-db FILE | --policy FILE]
// Lists the controller change records the download gate wrote.
#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/cli_support.hpp"
#include "cli/commands.hpp"
#include "gate/change_record_json.hpp"
#include "gate/state_db.hpp"
#include "policy/policy.hpp"

namespace signet::cli {
namespace {

struct ChangesOptions {
  std::string target, since, state_db, policy;
  bool json = false;
};

void print_record(const gate::ChangeRecord& r) {
  std::cout << '#' << r.id << ' ' << format_rfc3339(r.started_at) << ' '
            << (r.decision == "allow" ? "ALLOW" : "DENY") << ' ' << r.operation << ' ' << r.target
            << " (" << r.artifact_class << ") by " << r.user << '@' << r.host << '\n';
  std::cout << "    status " << gate::change_status_name(r.status);
  if (r.exit_status) std::cout << ", exit " << *r.exit_status;
  if (!r.enforced) std::cout << ", audit mode";
  if (!r.rule.empty()) std::cout << ", rule " << r.rule;
  if (!r.window.empty()) std::cout << ", window " << r.window;
  if (!r.ticket.empty()) std::cout << ", ticket " << r.ticket;
  if (!r.version.empty()) std::cout << ", version " << r.version;
  if (r.counter) std::cout << ", counter " << *r.counter;
  if (r.rollback_advanced) std::cout << ", rollback state advanced";
  std::cout << '\n';
  for (const auto& reason : r.reasons) {
    std::cout << "    " << reason_name(reason.code) << ": " << reason.detail << '\n';
  }
  for (const auto& a : r.artifacts) {
    std::cout << "    artifact " << a.path << " sha256 " << a.sha256 << '\n';
  }
  for (const auto& s : r.signers) {
    std::cout << "    signer " << s.subject << (s.trusted ? " [trusted]" : " [untrusted]") << '\n';
  }
  std::string techniques;
  for (const auto& t : r.techniques) techniques += (techniques.empty() ? "" : ", ") + t;
  if (!techniques.empty()) std::cout << "    ATT&CK for ICS " << techniques << '\n';
}

int run_changes(const ChangesOptions& o) {
  std::optional<policy::Policy> loaded;
  if (!o.policy.empty()) {
    auto policy = policy::Policy::load(o.policy);
    if (!policy) return report_error(policy.error());
    loaded = std::move(*policy);
  }
  gate::ChangeQuery query;
  if (!o.target.empty()) query.target = o.target;
  if (!o.since.empty()) {
    auto since = parse_rfc3339(o.since);
    if (!since) return report_error(since.error());
    query.since = *since;
  }
  const auto path = gate::resolve_state_db(o.state_db, loaded ? &*loaded : nullptr);
  auto db = gate::StateDb::open_existing(path);
  if (!db) return report_error(db.error());
  std::vector<gate::ChangeRecord> records;
  if (*db) {
    auto found = (*db)->changes(query);
    if (!found) return report_error(found.error());
    records = std::move(*found);
  }
  if (o.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : records) out.push_back(gate::change_record_to_json(r));
    std::cout << out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    return kExitOk;
  }
  if (!*db) std::cout << "no state database at " << path.string() << '\n';
  for (const auto& r : records) print_record(r);
  if (*db && records.empty()) std::cout << "no change records\n";
  return kExitOk;
}

}  // namespace

void add_changes_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ChangesOptions>();
  auto* cmd =
      app.add_subcommand("changes", "List controller change records (signet gate download)");
  cmd->add_option("--target", options->target, "Only targets matching this glob");
  cmd->add_option("--since", options->since, "Only changes started at or after this RFC 3339 time");
  cmd->add_flag("--json", options->json, "Print the records as a JSON array");
  cmd->add_option("--state-db", options->state_db,
                  "State database (default: the policy's state_db, else " +
                      std::string(gate::kDefaultStateDb) + ")");
  cmd->add_option("--policy", options->policy, "Policy whose state_db to read");
  cmd->callback([options, &exit_code] { exit_code = run_changes(*options); });
}

}  // namespace signet::cli
