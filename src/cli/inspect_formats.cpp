#include "cli/inspect_formats.hpp"

#include <filesystem>
#include <iostream>
#include <utility>

#include "cli/cli_support.hpp"
#include "core/file_io.hpp"
#include "core/mapped_file.hpp"
#include "formats/detect.hpp"
#include "policy/signer_keys.hpp"
#include "telemetry/decision_json.hpp"

namespace signet::cli {
namespace {

using formats::Format;
using nlohmann::json;

// Subjects from the signer up through the embedded certificates, by issuer name (not validated:
// inspect judges nothing).
json chain_json(const crypto::Certificate& leaf, const std::vector<crypto::Certificate>& pool) {
  json chain = json::array({leaf.subject()});
  const crypto::Certificate* current = &leaf;
  for (std::size_t depth = 0; depth < 8 && !current->is_self_issued(); ++depth) {
    const crypto::Certificate* next = nullptr;
    for (const auto& cert : pool) {
      if (cert.subject() == current->issuer() && !(cert == *current)) next = &cert;
    }
    if (next == nullptr) {
      chain.push_back("(" + current->issuer() + ": not embedded)");
      break;
    }
    chain.push_back(next->subject());
    current = next;
  }
  return chain;
}

json signer_json(const formats::SignerEvidence& s, const formats::SignatureEvidence& evidence) {
  json stamps = json::array();
  for (const auto& t : s.timestamps) {
    if (!t.countersignature) {
      stamps.push_back(timestamp_json(t.token));
      continue;
    }
    const auto& cs = *t.countersignature;
    stamps.push_back(
        {{"kind", "pkcs9-countersignature"},
         {"time", cs.signing_time ? json(format_rfc3339(*cs.signing_time)) : json(nullptr)},
         {"tsa", cs.signer ? json(cs.signer->subject()) : json(nullptr)},
         {"imprint_algorithm", cs.digest_algorithm},
         {"valid", cs.valid},
         {"error", cs.error}});
  }
  return {
      {"position", s.position},
      {"certificate", s.certificate ? certificate_json(*s.certificate) : json(nullptr)},
      {"chain", s.certificate ? chain_json(*s.certificate, evidence.certificates) : json::array()},
      {"key_reference", s.key_reference
                            ? json(policy::signer_keys::reference_text(*s.key_reference))
                            : json(nullptr)},
      {"digest_algorithm", s.digest_algorithm},
      {"signature_algorithm", s.signature_algorithm},
      {"signing_time", s.signing_time ? json(format_rfc3339(*s.signing_time)) : json(nullptr)},
      {"timestamps", stamps},
      {"problems", telemetry::reasons_to_json(s.problems)}};
}

json evidence_json(const formats::SignatureEvidence& evidence) {
  json details = json::array();
  for (const auto& [name, value] : evidence.details) details.push_back({{name, value}});
  json signers = json::array();
  for (const auto& s : evidence.signers) signers.push_back(signer_json(s, evidence));
  json certs = json::array();
  for (const auto& c : evidence.certificates) certs.push_back(certificate_json(c));
  json covered = json::array();
  for (const auto& c : evidence.covered) {
    covered.push_back(
        {{"sha256", c.sha256}, {"content_verified", c.content_verified}, {"detail", c.detail}});
  }
  return {{"format", evidence.format}, {"details", details},
          {"signers", signers},        {"certificates", certs},
          {"covered", covered},        {"problems", telemetry::reasons_to_json(evidence.problems)}};
}

void print_format_human(const json& j) {
  std::cout << "format: " << j["format"].get<std::string>() << '\n';
  for (const auto& d : j["details"]) {
    for (const auto& [name, value] : d.items()) {
      std::cout << "  " << name << ": " << value.get<std::string>() << '\n';
    }
  }
  for (const auto& c : j["covered"]) {
    std::cout << "content: " << (c["content_verified"].get<bool>() ? "verified" : "NOT VERIFIED")
              << " (" << c["detail"].get<std::string>()
              << ") sha256:" << c["sha256"].get<std::string>() << '\n';
  }
  if (j["signers"].empty()) std::cout << "signers: none (unsigned)\n";
  for (const auto& s : j["signers"]) {
    std::cout << "signer"
              << (s["position"].get<std::string>().empty()
                      ? ""
                      : " [" + s["position"].get<std::string>() + "]")
              << ": ";
    if (!s["certificate"].is_null()) {
      std::cout << s["certificate"]["subject"].get<std::string>() << '\n';
      for (std::size_t i = 1; i < s["chain"].size(); ++i) {
        std::cout << "  chain: " << s["chain"][i].get<std::string>() << '\n';
      }
    } else if (!s["key_reference"].is_null()) {
      std::cout << s["key_reference"].get<std::string>() << " (supplied by the policy)\n";
    } else {
      std::cout << "(certificate not embedded)\n";
    }
    std::cout << "  algorithms: " << s["signature_algorithm"].get<std::string>() << " with "
              << (s["digest_algorithm"].get<std::string>().empty()
                      ? std::string("(none: signs the message)")
                      : s["digest_algorithm"].get<std::string>())
              << '\n';
    if (!s["signing_time"].is_null()) {
      std::cout << "  signing time (claimed): " << s["signing_time"].get<std::string>() << '\n';
    }
    for (const auto& t : s["timestamps"]) {
      if (t.contains("error") && !t.contains("kind")) {
        std::cout << "  timestamp: " << t["error"].get<std::string>() << '\n';
      } else {
        std::cout << "  timestamp" << (t.contains("kind") ? " (PKCS#9 countersignature)" : "")
                  << ": " << (t["time"].is_null() ? "?" : t["time"].get<std::string>()) << " by "
                  << (t["tsa"].is_null() ? "?" : t["tsa"].get<std::string>()) << '\n';
      }
    }
    for (const auto& p : s["problems"]) {
      std::cout << "  problem: " << p["code"].get<std::string>() << ": "
                << p["detail"].get<std::string>() << '\n';
    }
  }
  for (const auto& p : j["problems"]) {
    std::cout << "problem: " << p["code"].get<std::string>() << ": "
              << p["detail"].get<std::string>() << '\n';
  }
  std::cout << "certificates embedded: " << j["certificates"].size() << '\n';
}

// The signed file of a separate signature: --content, else the signature's path without its
// extension (FILE.minisig, FILE.sig, FILE.p7s).
std::optional<std::string> content_path(const InspectRequest& request) {
  if (!request.content.empty()) return request.content;
  const std::filesystem::path sig(request.path);
  if (!sig.has_extension()) return std::nullopt;
  std::filesystem::path stem = sig;
  stem.replace_extension();
  return std::filesystem::exists(stem) ? std::optional(stem.string()) : std::nullopt;
}

}  // namespace

std::optional<int> inspect_other_format(const InspectRequest& request) {
  std::optional<Format> format;
  if (request.format != "auto") {
    format = formats::format_from_name(request.format);
    if (!format) return report_error({Errc::kUsage, "unknown --format '" + request.format + "'"});
    if (*format == Format::kSignet) return std::nullopt;
  }
  auto mapped = MappedFile::open(request.path);
  if (!mapped) return report_error(mapped.error());
  if (!format) format = formats::detect_embedded(mapped->bytes());
  if (!format) format = formats::detect_signature_file(mapped->bytes());
  if (!format || *format == Format::kSignet) return std::nullopt;
  const auto content = formats::is_embedded(*format) ? std::nullopt : content_path(request);
  if (*format == Format::kCmsDetached && !content) return std::nullopt;  // native CMS view

  Result<formats::SignatureEvidence> evidence = fail(Errc::kInternal, "unset");
  if (formats::is_embedded(*format)) {
    evidence = formats::parse_format(*format, mapped->bytes(), std::nullopt);
  } else {
    std::optional<MappedFile> signed_file;
    if (content) {
      auto opened = MappedFile::open(*content);
      if (!opened) return report_error(opened.error());
      signed_file = std::move(*opened);
    }
    const auto bytes = signed_file ? signed_file->bytes() : std::span<const std::uint8_t>();
    evidence = formats::parse_format(*format, bytes, mapped->bytes());
  }
  if (!evidence) {
    std::cerr << "signet: " << evidence.error().describe() << '\n';
    return kExitDenied;
  }
  const json out = evidence_json(*evidence);
  if (request.json) {
    std::cout << telemetry::dump_json(out, 2) << '\n';
  } else {
    print_format_human(out);
  }
  return kExitOk;
}

}  // namespace signet::cli
