#include "cli/verify_formats.hpp"

#include <array>
#include <filesystem>
#include <utility>

#include "cli/cli_support.hpp"
#include "core/file_io.hpp"
#include "core/mapped_file.hpp"
#include "formats/detect.hpp"
#include "formats/third_party_profile.hpp"

namespace signet::cli {
namespace {

using formats::Format;

// Where a separate signature is looked for, by format; auto tries them all in this order.
std::vector<std::string> sidecars(const std::string& file, std::optional<Format> format) {
  if (!format) return {file + ".sig", file + ".p7s", file + ".minisig"};
  switch (*format) {
    case Format::kCmsDetached:
      return {file + ".p7s", file + ".sig"};
    case Format::kMinisign:
      return {file + ".minisig"};
    default:
      return {file + ".sig"};
  }
}

std::optional<std::string> first_existing(const std::vector<std::string>& paths) {
  for (const auto& path : paths) {
    if (std::filesystem::exists(path)) return path;
  }
  return std::nullopt;
}

}  // namespace

Result<std::optional<FormatOutcome>> verify_other_format(const FormatRequest& request,
                                                         const policy::Policy& policy,
                                                         policy::EvaluationContext context) {
  std::optional<Format> format;
  if (request.format != "auto") {
    format = formats::format_from_name(request.format);
    if (!format) {
      return fail(Errc::kUsage,
                  "--format must be auto, signet, cms-detached, authenticode, kmod, "
                  "rauc, minisign or signify, not '" +
                      request.format + "'");
    }
    if (*format == Format::kSignet) return std::nullopt;
    if (request.files.size() != 1) {
      return fail(Errc::kUsage, "--format " + request.format + " verifies one file at a time");
    }
  } else if (request.files.size() != 1) {
    return std::nullopt;
  }
  const std::string& file = request.files.front();

  std::optional<std::string> sig_path;
  std::optional<Bytes> sig_bytes;
  if (!format || !formats::is_embedded(*format)) {
    sig_path = request.sig.empty() ? first_existing(sidecars(file, format)) : request.sig;
    if (sig_path) {
      auto bytes = read_file_bytes(*sig_path);
      if (!bytes) return std::unexpected(bytes.error());
      sig_bytes = std::move(*bytes);
      if (!format) format = formats::detect_signature_file(*sig_bytes);
      if (!format || *format == Format::kSignet) return std::nullopt;  // the native path judges it
    }
  }
  auto mapped = MappedFile::open(file);
  if (!mapped) return std::unexpected(mapped.error());
  if (!format) format = formats::detect_embedded(mapped->bytes());
  if (!format) return std::nullopt;  // nothing of another format: the native path says UNSIGNED

  const formats::ArtifactName name{.sha256 = std::nullopt, .wanted = request.name_artifact};
  FormatOutcome outcome;
  outcome.signature_path = sig_path.value_or(file);
  if (!formats::is_embedded(*format) && !sig_bytes) {
    context.artifacts.push_back({file, name.of(mapped->bytes())});
    outcome.decision = policy::deny_without_evidence(
        policy, context,
        {ReasonCode::kUnsigned,
         "no " + std::string(formats::format_name(*format)) + " signature for " + file});
    return outcome;
  }
  std::optional<std::span<const std::uint8_t>> signature;
  if (sig_bytes) signature = std::span<const std::uint8_t>(*sig_bytes);
  auto evidence = formats::parse_format(*format, mapped->bytes(), signature, name);
  if (!evidence) {
    if (evidence.error().code != Errc::kMalformed) return std::unexpected(evidence.error());
    context.artifacts.push_back({file, name.of(mapped->bytes())});
    outcome.decision = policy::deny_without_evidence(
        policy, context,
        {ReasonCode::kMalformed,
         std::string(formats::format_name(*format)) + ": " + evidence.error().message});
    outcome.decision.format = std::string(formats::format_name(*format));
    return outcome;
  }
  // The unit hashed the bytes it verified: that digest names the artifact.
  context.artifacts.push_back({file, evidence->covered.size() == 1
                                         ? evidence->covered.front().sha256
                                         : name.of(mapped->bytes())});
  if (evidence->signers.empty() && evidence->problems.empty()) {
    outcome.decision = policy::deny_without_evidence(
        policy, context,
        {ReasonCode::kUnsigned,
         file + " carries no " + std::string(formats::format_name(*format)) + " signature"});
    outcome.decision.format = evidence->format;
    return outcome;
  }
  outcome.decision = policy::evaluate(policy, *evidence, context);
  return outcome;
}

}  // namespace signet::cli
