// signet inspect SIG [--json]: what a signature says, without any policy.
#include <algorithm>
#include <iostream>
#include <memory>

#include "cli/cli_support.hpp"
#include "cli/commands.hpp"
#include "cli/inspect_formats.hpp"
#include "core/file_io.hpp"
#include "crypto/cms_signed_data.hpp"
#include "crypto/timestamp.hpp"
#include "crypto/x509_verify.hpp"
#include "formats/native_signature.hpp"
#include "telemetry/decision_json.hpp"

namespace signet::cli {
namespace {

using nlohmann::json;

std::string attribute_name(const std::string& oid) {
  if (oid == crypto::kOidContentType) return "contentType";
  if (oid == crypto::kOidMessageDigest) return "messageDigest";
  if (oid == crypto::kOidSigningTime) return "signingTime";
  if (oid == crypto::kOidSigningCertificateV2) return "signingCertificateV2";
  if (oid == "1.2.840.113549.1.9.16.2.12") return "signingCertificate";
  if (oid == "1.2.840.113549.1.9.15") return "smimeCapabilities";
  return oid;
}

}  // namespace

json certificate_json(const crypto::Certificate& cert) {
  json ekus = nullptr;
  if (auto list = cert.extended_key_usages()) {
    ekus = json::array();
    for (const auto& oid : *list) ekus.push_back(crypto::eku_display_name(oid));
  }
  return {{"subject", cert.subject()},
          {"issuer", cert.issuer()},
          {"serial", cert.serial_hex()},
          {"not_before", format_rfc3339(cert.not_before())},
          {"not_after", format_rfc3339(cert.not_after())},
          {"key", cert.key_type() + "-" + std::to_string(cert.key_bits()) +
                      (cert.key_curve().empty() ? "" : " " + cert.key_curve())},
          {"eku", ekus},
          {"fingerprint_sha256", cert.sha256_fingerprint()}};
}

json timestamp_json(const Bytes& token) {
  auto info = crypto::parse_timestamp_token(token);
  if (!info) return {{"error", info.error().describe()}};
  return {{"time", format_rfc3339(info->gen_time)},
          {"tsa", info->tsa_certificate.subject()},
          {"serial", info->serial_hex},
          {"imprint_algorithm", info->imprint_algorithm}};
}

namespace {

json inspect_json(const crypto::CmsSignedData& cms,
                  const Result<formats::SignatureEvidence>& native) {
  json signers = json::array();
  for (std::size_t i = 0; i < cms.signers.size(); ++i) {
    const auto& s = cms.signers[i];
    json attrs = json::array();
    for (const auto& oid : s.signed_attribute_oids) attrs.push_back(attribute_name(oid));
    json stamps = json::array();
    for (const auto& token : s.timestamp_tokens) stamps.push_back(timestamp_json(token));
    json problems = json::array();
    if (native && i < native->signers.size())
      problems = telemetry::reasons_to_json(native->signers[i].problems);
    signers.push_back(
        {{"certificate", s.certificate ? certificate_json(*s.certificate) : json(nullptr)},
         {"digest_algorithm", s.digest_algorithm},
         {"signature_algorithm", s.signature_algorithm},
         {"signed_attributes", attrs},
         {"signing_time", s.signing_time ? json(format_rfc3339(*s.signing_time)) : json(nullptr)},
         {"signature_valid", s.signature_valid},
         {"signature_error", s.signature_error},
         {"timestamps", stamps},
         {"profile_problems", problems}});
  }
  json certs = json::array();
  for (const auto& c : cms.certificates) certs.push_back(certificate_json(c));
  json crls = json::array();
  for (const auto& c : cms.crls) crls.push_back({{"issuer", c.issuer()}});
  json out = {{"format", native ? "signet" : "cms"},
              {"content_type", cms.content_type_oid},
              {"detached", cms.detached},
              {"signers", signers},
              {"certificates", certs},
              {"crls", crls},
              {"statement", nullptr}};
  if (native && native->statement) {
    out["statement"] = telemetry::statement_to_json(*native->statement);
  } else if (!native) {
    out["statement_error"] = native.error().describe();
  }
  return out;
}

void print_human(const json& j) {
  std::cout << "format: " << j["format"].get<std::string>() << '\n';
  if (!j["statement"].is_null()) {
    const auto& p = j["statement"]["predicate"];
    std::cout << "statement: class=" << p.value("class", "") << " target=" << p.value("target", "")
              << " version=" << p.value("version", "") << " counter="
              << (p.contains("counter") ? std::to_string(p["counter"].get<std::uint64_t>()) : "-")
              << " ticket=" << p.value("ticket", "") << '\n';
    for (const auto& s : j["statement"]["subject"]) {
      std::cout << "  subject " << s["name"].get<std::string>()
                << " sha256:" << s["digest"]["sha256"].get<std::string>() << '\n';
    }
  } else if (j.contains("statement_error")) {
    std::cout << "statement: " << j["statement_error"].get<std::string>() << '\n';
  }
  for (const auto& s : j["signers"]) {
    const auto& c = s["certificate"];
    std::cout << "signer: "
              << (c.is_null() ? "(certificate not embedded)" : c["subject"].get<std::string>())
              << '\n';
    if (!c.is_null()) {
      std::cout << "  issuer: " << c["issuer"].get<std::string>()
                << "\n  valid: " << c["not_before"].get<std::string>() << " .. "
                << c["not_after"].get<std::string>() << "\n  key: " << c["key"].get<std::string>()
                << '\n';
    }
    std::cout << "  algorithms: " << s["signature_algorithm"].get<std::string>() << " with "
              << s["digest_algorithm"].get<std::string>() << "\n  signature: "
              << (s["signature_valid"].get<bool>()
                      ? "cryptographically valid"
                      : "INVALID: " + s["signature_error"].get<std::string>())
              << '\n';
    for (const auto& t : s["timestamps"]) {
      if (t.contains("error")) {
        std::cout << "  timestamp: " << t["error"].get<std::string>() << '\n';
      } else {
        std::cout << "  timestamp: " << t["time"].get<std::string>() << " by "
                  << t["tsa"].get<std::string>() << '\n';
      }
    }
    for (const auto& p : s["profile_problems"]) {
      std::cout << "  profile: " << p["code"].get<std::string>() << ": "
                << p["detail"].get<std::string>() << '\n';
    }
  }
  std::cout << "certificates embedded: " << j["certificates"].size()
            << ", CRLs: " << j["crls"].size() << '\n';
}

int run_inspect(const InspectRequest& request) {
  if (auto other = inspect_other_format(request)) return *other;
  const std::string& path = request.path;
  const bool as_json = request.json;
  auto bytes = read_file_bytes(path);
  if (!bytes) return report_error(bytes.error());
  auto cms = crypto::cms_parse(*bytes);
  if (!cms) {
    std::cerr << "signet: " << cms.error().describe() << '\n';
    return kExitDenied;
  }
  const auto native = formats::parse_native_signature(*bytes);
  const json out = inspect_json(*cms, native);
  if (as_json) {
    std::cout << telemetry::dump_json(out, 2) << '\n';
  } else {
    print_human(out);
  }
  return kExitOk;
}

}  // namespace

void add_inspect_command(CLI::App& app, int& exit_code) {
  auto request = std::make_shared<InspectRequest>();
  request->format = "auto";
  auto* cmd =
      app.add_subcommand("inspect", "Show a signature's Statement, signers, chains, timestamps");
  cmd->add_option("signature", request->path,
                  "Signature file, or a file carrying its own (PE/EFI, kernel module, RAUC bundle)")
      ->required();
  cmd->add_flag("--json", request->json, "Print as JSON");
  cmd->add_option("--format", request->format,
                  "auto, signet, cms-detached, authenticode, kmod, rauc, minisign or signify")
      ->capture_default_str();
  cmd->add_option("--content", request->content,
                  "The signed file, for a separate signature (default: SIGNATURE minus extension)");
  cmd->callback([request, &exit_code] { exit_code = run_inspect(*request); });
}

}  // namespace signet::cli
