// signet baseline export [--db FILE] [--scan ID] -o BASELINE.sig --key KEYREF --cert PEM [...]
//
// The inventory as a native signature of class trust-bundle: subjects are the paths of the scan
// with their SHA-256 (inventory/baseline.hpp). Signed by the same code as `signet sign`.
#include <iostream>
#include <memory>
#include <optional>

#include "cli/cli_support.hpp"
#include "cli/commands.hpp"
#include "core/file_io.hpp"
#include "formats/native_signature.hpp"
#include "inventory/baseline.hpp"

namespace signet::cli {
namespace {

struct BaselineExportOptions {
  std::string db = std::string(inventory::kDefaultInventoryDb);
  std::optional<std::int64_t> scan_id;
  std::string out;
  SignerArgs signer;
  inventory::BaselineOptions predicate;
};

int run_baseline_export(const BaselineExportOptions& o) {
  if (o.signer.tsa_key.empty() != o.signer.tsa_cert.empty()) {
    return report_error({Errc::kUsage, "--tsa-key and --tsa-cert go together"});
  }
  auto db = inventory::InventoryDb::open_existing(o.db);
  if (!db) return report_error(db.error());
  auto scan = o.scan_id ? db->scan(*o.scan_id) : db->latest_scan();
  if (!scan) return report_error(scan.error());
  if (!*scan) return report_error({Errc::kUsage, "no such scan in " + o.db});
  auto entries = db->entries((*scan)->id);
  if (!entries) return report_error(entries.error());
  inventory::BaselineOptions predicate = o.predicate;
  if (predicate.description.empty()) {
    predicate.description = "signet inventory scan " + std::to_string((*scan)->id) + " of " +
                            (*scan)->host + " at " + format_rfc3339((*scan)->started_at);
  }
  auto statement = inventory::baseline_statement(*entries, predicate);
  if (!statement) return report_error(statement.error());

  auto signer = load_native_signer(o.signer);
  if (!signer) return report_error(signer.error());
  const crypto::SigningKey* keys[] = {&(*signer)->key};
  auto signature = formats::sign_statement(*statement, keys, (*signer)->options);
  if (!signature) return report_error(signature.error());
  if (auto written = write_file_atomic(o.out, *signature); !written) {
    return report_error(written.error());
  }
  std::cerr << "signet: baseline of scan " << (*scan)->id << " (" << statement->subjects.size()
            << " files) signed by " << (*signer)->key.certificate().subject() << " -> " << o.out
            << '\n';
  return kExitOk;
}

}  // namespace

void add_baseline_command(CLI::App& app, int& exit_code) {
  auto* baseline = app.add_subcommand("baseline", "Signed baselines of the inventory");
  baseline->require_subcommand(1);
  auto o = std::make_shared<BaselineExportOptions>();
  auto* cmd = baseline->add_subcommand(
      "export", "Sign the latest scan (or --scan ID) as a trust-bundle Statement of paths+digests");
  cmd->add_option("--db", o->db, "Inventory database")->capture_default_str();
  cmd->add_option("--scan", o->scan_id, "Scan id (default: the latest)");
  cmd->add_option("-o,--output", o->out, "Output signature file")->required();
  cmd->add_option("--key", o->signer.key, "pkcs11: URI, or file:PATH (development only)")
      ->required();
  cmd->add_option("--cert", o->signer.cert, "Signer certificate (PEM)")->required();
  cmd->add_option("--chain", o->signer.chain, "Intermediate certificates to embed (PEM)");
  cmd->add_option("--crl", o->signer.crls, "CRLs to embed (PEM or DER)");
  cmd->add_option("--target", o->predicate.target, "Target, e.g. acme/line3/hmi-01");
  cmd->add_option("--version", o->predicate.version, "Baseline version");
  cmd->add_option("--counter", o->predicate.counter, "Security counter");
  cmd->add_option("--ticket", o->predicate.ticket, "Change ticket id");
  cmd->add_option("--description", o->predicate.description,
                  "Free-form description (default: scan id, host and time)");
  cmd->add_option("--tsa-key", o->signer.tsa_key, "Key of the local time-stamping authority");
  cmd->add_option("--tsa-cert", o->signer.tsa_cert, "TSA certificate (timeStamping EKU)");
  cmd->add_option("--tsa-chain", o->signer.tsa_chain, "TSA intermediate certificates");
  cmd->add_option("--signing-time", o->signer.signing_time, "Signing time, RFC 3339 (default now)");
  cmd->callback([o, &exit_code] { exit_code = run_baseline_export(*o); });
}

}  // namespace signet::cli
