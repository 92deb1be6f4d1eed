// signet audit verify LOG [--cert PEM] [--json] [--require-signed]
// signet audit checkpoint --policy P     seal the audit log's tail with a signed checkpoint now
#include <iostream>
#include <memory>

#include "cli/cli_support.hpp"
#include "cli/commands.hpp"
#include "core/file_io.hpp"
#include "telemetry/audit_log.hpp"
#include "telemetry/decision_json.hpp"
#include "telemetry/emitter.hpp"

namespace signet::cli {
namespace {

struct AuditOptions {
  std::string log, cert, policy;
  bool json = false;
  bool require_signed = false;
};

int run_audit_verify(const AuditOptions& o) {
  auto text = read_file_text(o.log, std::size_t{4} << 30);
  if (!text) return report_error(text.error());
  std::vector<crypto::Certificate> pinned;
  if (!o.cert.empty()) {
    auto certs = crypto::Certificate::load_pem_file(o.cert);
    if (!certs) return report_error(certs.error());
    pinned = std::move(*certs);
  }
  const auto r =
      telemetry::verify_audit_log(*text, telemetry::make_cms_checkpoint_verifier(pinned));
  const bool intact = r.finding == telemetry::AuditFinding::kIntact;
  if (o.json) {
    nlohmann::json j = {{"finding", telemetry::audit_finding_name(r.finding)},
                        {"line", intact ? nlohmann::json(nullptr) : nlohmann::json(r.line)},
                        {"seq", intact ? nlohmann::json(nullptr) : nlohmann::json(r.seq)},
                        {"detail", r.detail},
                        {"records", r.records},
                        {"checkpoints", r.checkpoints},
                        {"last_signed_seq", r.last_signed_seq},
                        {"unsigned_tail", r.unsigned_tail},
                        {"signer", r.signer},
                        {"signer_pinned", !pinned.empty()}};
    std::cout << telemetry::dump_json(j, 2) << '\n';
  } else if (intact) {
    std::cout << "INTACT " << o.log << ": " << r.records << " record(s), " << r.checkpoints
              << " signed checkpoint(s)";
    if (!r.signer.empty())
      std::cout << " by " << r.signer << (pinned.empty() ? " (not pinned: give --cert)" : "");
    std::cout << '\n';
    if (r.unsigned_tail > 0) {
      std::cout << "  UNSIGNED TAIL: " << r.unsigned_tail << " record(s) after seq "
                << r.last_signed_seq << " are not covered by a checkpoint signature\n";
    }
  } else {
    std::cout << telemetry::audit_finding_name(r.finding) << ' ' << o.log << " at line " << r.line
              << " (seq " << r.seq << "): " << r.detail << '\n'
              << "  " << r.records << " record(s) before it verified, last signed seq "
              << r.last_signed_seq << '\n';
  }
  if (!intact) return kExitDenied;
  return o.require_signed && r.unsigned_tail > 0 ? kExitDenied : kExitOk;
}

int run_audit_checkpoint(const AuditOptions& o) {
  auto loaded = policy::Policy::load(o.policy);
  if (!loaded) return report_error(loaded.error());
  const auto& spec = loaded->telemetry();
  if (!spec || !spec->audit || spec->audit->checkpoint_key.empty()) {
    return report_error({Errc::kUsage, "the policy has no [telemetry.audit] with checkpoint_key"});
  }
  auto log = telemetry::open_audit_log(*spec->audit, loaded->base_dir(), telemetry::system_clock());
  if (!log) return report_error(log.error());
  if (auto sealed = (*log)->checkpoint(); !sealed) return report_error(sealed.error());
  std::cout << "audit log sealed with a signed checkpoint\n";
  return kExitOk;
}

}  // namespace

void add_audit_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<AuditOptions>();
  auto* cmd = app.add_subcommand("audit", "The tamper-evident audit log");
  cmd->require_subcommand(1);
  auto* verify = cmd->add_subcommand(
      "verify", "Check the hash chain and checkpoint signatures; report the first problem");
  verify->add_option("log", o->log, "Audit log file")->required();
  verify->add_option("--cert", o->cert, "Checkpoint signer certificate, or its issuing CA (PEM)");
  verify->add_flag("--json", o->json, "Print the report as JSON");
  verify->add_flag("--require-signed", o->require_signed,
                   "Exit 1 when records after the last checkpoint are unsigned");
  verify->callback([o, &exit_code] { exit_code = run_audit_verify(*o); });
  auto* checkpoint = cmd->add_subcommand("checkpoint", "Sign the audit log's tail now");
  checkpoint->add_option("--policy", o->policy, "Trust policy with [telemetry.audit]")->required();
  checkpoint->callback([o, &exit_code] { exit_code = run_audit_checkpoint(*o); });
}

}  // namespace signet::cli
