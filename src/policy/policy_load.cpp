// Policy::load / from_spec: the spec with its trust anchors and CRLs loaded (files relative to the
// policy file) and its names resolved. The only part of policy/ that touches files.
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/file_io.hpp"
#include "core/hex.hpp"
#include "core/raw_public_key.hpp"
#include "core/time_zone.hpp"
#include "crypto/certificate.hpp"
#include "crypto/digest.hpp"
#include "crypto/x509_verify.hpp"
#include "policy/policy.hpp"

namespace signet::policy {
namespace {

constexpr std::string_view kCodeSigningOid = "1.3.6.1.5.5.7.3.3";

std::filesystem::path resolve(const std::filesystem::path& base_dir, const std::string& file) {
  const std::filesystem::path path(file);
  return path.is_absolute() ? path : base_dir / path;
}

Result<std::vector<crypto::Certificate>> load_certificates(const std::filesystem::path& base_dir,
                                                           const std::vector<std::string>& files,
                                                           const std::string& where,
                                                           std::string_view key) {
  std::vector<crypto::Certificate> out;
  for (const auto& file : files) {
    auto certs = crypto::Certificate::load_pem_file(resolve(base_dir, file));
    if (!certs) {
      return fail(Errc::kPolicyInvalid,
                  where + ": " + std::string(key) + " '" + file + "': " + certs.error().message);
    }
    for (auto& cert : *certs) out.push_back(std::move(cert));
  }
  return out;
}

Result<std::vector<crypto::Crl>> load_crls(const std::filesystem::path& base_dir,
                                           const std::vector<std::string>& files,
                                           const std::string& where) {
  std::vector<crypto::Crl> out;
  for (const auto& file : files) {
    auto crls = crypto::Crl::load_file(resolve(base_dir, file));
    if (!crls) {
      return fail(Errc::kPolicyInvalid, where + ": crls '" + file + "': " + crls.error().message);
    }
    for (auto& crl : *crls) out.push_back(std::move(crl));
  }
  return out;
}

Result<crypto::AnchorSet> anchor_set(std::vector<crypto::Certificate> anchors,
                                     std::vector<crypto::Crl> crls, const std::string& where,
                                     std::string_view key) {
  auto set = crypto::AnchorSet::create(std::move(anchors), std::move(crls));
  if (!set) {
    return fail(Errc::kPolicyInvalid, where + ": " + std::string(key) + ": " + set.error().message);
  }
  return std::move(*set);
}

Result<TrustStore> load_store(const TrustStoreSpec& spec, const std::filesystem::path& base_dir) {
  const std::string where = "trust_store '" + spec.name + "'";
  auto anchors = load_certificates(base_dir, spec.anchors, where, "anchors");
  if (!anchors) return std::unexpected(std::move(anchors.error()));
  auto crls = load_crls(base_dir, spec.crls, where);
  if (!crls) return std::unexpected(std::move(crls.error()));
  // A TSA's chain is judged with the same CRLs: revocation lists travel with the policy.
  auto tsa_certs = spec.tsa_anchors
                       ? load_certificates(base_dir, *spec.tsa_anchors, where, "tsa_anchors")
                       : Result<std::vector<crypto::Certificate>>(*anchors);
  if (!tsa_certs) return std::unexpected(std::move(tsa_certs.error()));

  auto tsa_set = anchor_set(std::move(*tsa_certs), *crls, where, "tsa_anchors");
  if (!tsa_set) return std::unexpected(std::move(tsa_set.error()));
  const bool require_crls = !spec.crls.empty();
  auto set = anchor_set(std::move(*anchors), std::move(*crls), where, "anchors");
  if (!set) return std::unexpected(std::move(set.error()));
  return TrustStore{
      .name = spec.name,
      .anchors = std::move(*set),
      .tsa_anchors = std::move(*tsa_set),
      .allow_partial_chain = spec.allow_partial_chain,
      .require_crls = require_crls,
      .verify_time = spec.verify_time,
  };
}

Result<Publisher> make_publisher(const PublisherSpec& spec) {
  const std::string where = "publisher '" + spec.name + "'";
  if (spec.minisign_key || spec.signify_key) {
    const bool minisign = spec.minisign_key.has_value();
    auto raw = parse_raw_public_key(minisign ? *spec.minisign_key : *spec.signify_key);
    if (!raw) {
      return fail(Errc::kPolicyInvalid, where + ": not a minisign/signify public key (\"RW...\")");
    }
    return Publisher{
        .name = spec.name,
        .store = {},
        .subject = std::nullopt,
        .eku_oids = {},
        .key = PublisherKey{minisign ? PublisherKey::Kind::kMinisign : PublisherKey::Kind::kSignify,
                            std::move(raw->key_id), std::move(raw->public_key)}};
  }
  auto pattern = SubjectPattern::parse(spec.subject);
  if (!pattern) {
    return fail(Errc::kPolicyInvalid, where + ": 'subject' is invalid: " + pattern.error().message);
  }
  std::vector<std::string> oids;
  if (!spec.eku) {
    oids.emplace_back(kCodeSigningOid);  // the default: code signing
  } else {
    for (const auto& name : *spec.eku) {
      auto oid = crypto::eku_oid_from_name(name);
      if (!oid)
        return fail(Errc::kPolicyInvalid, where + ": 'eku' names unknown EKU '" + name + "'");
      oids.push_back(std::move(*oid));
    }
  }
  return Publisher{.name = spec.name,
                   .store = spec.store,
                   .subject = std::move(*pattern),
                   .eku_oids = std::move(oids),
                   .key = std::nullopt};
}

// The zones of the policy's recurring windows, each read once: "UTC" built in, any other name a
// TZif file under zoneinfo_dir.
Result<std::vector<Window>> load_windows(const std::vector<WindowSpec>& specs,
                                         const std::filesystem::path& zoneinfo_dir) {
  std::map<std::string, std::shared_ptr<const TimeZone>> zones;
  std::vector<Window> out;
  for (const auto& spec : specs) {
    std::shared_ptr<const TimeZone> zone;
    if (!spec.tz.empty()) {
      auto& cached = zones[spec.tz];
      if (!cached && spec.tz == "UTC") cached = std::make_shared<const TimeZone>(TimeZone::utc());
      if (!cached) {
        const std::string where = "window '" + spec.name + "': tz '" + spec.tz + "'";
        if (!is_valid_zone_name(spec.tz)) {
          return fail(Errc::kPolicyInvalid, where + " is not a time zone name");
        }
        auto bytes = read_file_bytes(zoneinfo_dir / spec.tz, 1u << 20);
        if (!bytes) {
          return fail(Errc::kPolicyInvalid,
                      where + ": unknown time zone (" + bytes.error().message + ")");
        }
        auto parsed = TimeZone::from_tzif(spec.tz, *bytes);
        if (!parsed) {
          return fail(Errc::kPolicyInvalid, where + ": " + parsed.error().message);
        }
        cached = std::make_shared<const TimeZone>(std::move(*parsed));
      }
      zone = cached;
    }
    auto window = make_window(spec, std::move(zone));
    if (!window) return std::unexpected(std::move(window.error()));
    out.push_back(std::move(*window));
  }
  return out;
}

}  // namespace

std::filesystem::path default_zoneinfo_dir() {
  const char* dir = std::getenv("TZDIR");  // NOLINT(concurrency-mt-unsafe): read, never set
  return dir != nullptr && *dir != '\0' ? std::filesystem::path(dir)
                                        : std::filesystem::path("/usr/share/zoneinfo");
}

Result<Policy> Policy::from_spec(const PolicySpec& spec, const std::filesystem::path& base_dir,
                                 const std::filesystem::path& zoneinfo_dir) {
  if (auto valid = validate_policy_spec(spec); !valid) {
    return std::unexpected(std::move(valid.error()));
  }
  Policy policy;
  policy.mode_ = spec.mode;
  policy.telemetry_ = spec.telemetry;
  policy.base_dir_ = base_dir;
  for (const auto& store_spec : spec.trust_stores) {
    auto store = load_store(store_spec, base_dir);
    if (!store) return std::unexpected(std::move(store.error()));
    policy.stores_.push_back(std::move(*store));
  }
  for (const auto& publisher_spec : spec.publishers) {
    auto publisher = make_publisher(publisher_spec);
    if (!publisher) return std::unexpected(std::move(publisher.error()));
    policy.publishers_.push_back(std::move(*publisher));
  }
  auto windows = load_windows(spec.windows, zoneinfo_dir);
  if (!windows) return std::unexpected(std::move(windows.error()));
  policy.windows_ = std::move(*windows);
  if (spec.state_db) policy.state_db_ = resolve(base_dir, *spec.state_db);
  policy.gate_ = spec.gate;
  policy.guards_ = spec.guards;
  for (const auto& rule : spec.rules) {
    policy.rules_.push_back(
        Rule{.id = rule.id,
             .artifact_class = rule.artifact_class,
             .target = rule.target,
             .publishers = rule.publishers,
             .require_timestamp = rule.require_timestamp,
             .mode = rule.mode,
             .min_signers = static_cast<std::size_t>(rule.min_signers),
             .require_ticket = rule.require_ticket,
             .windows = rule.windows,
             .outside_window = rule.outside_window.value_or(OutsideWindow::kDeny),
             .rollback = rule.rollback});
  }
  return policy;
}

Result<Policy> Policy::load(const std::filesystem::path& file,
                            const std::filesystem::path& zoneinfo_dir) {
  auto text = read_file_text(file);
  if (!text) return std::unexpected(std::move(text.error()));
  auto spec = parse_policy(*text);
  if (!spec) {
    return fail(spec.error().code, file.string() + ": " + spec.error().message);
  }
  const std::filesystem::path base_dir =
      file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
  auto policy = from_spec(*spec, base_dir, zoneinfo_dir);
  if (!policy) {
    return fail(policy.error().code, file.string() + ": " + policy.error().message);
  }
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(text->data());
  policy->source_sha256_ =
      to_hex(crypto::digest_bytes(crypto::DigestAlgorithm::kSha256, {bytes, text->size()}));
  return policy;
}

const TrustStore* Policy::find_store(std::string_view name) const noexcept {
  for (const auto& store : stores_) {
    if (store.name == name) return &store;
  }
  return nullptr;
}

const Window* Policy::find_window(std::string_view name) const noexcept {
  for (const auto& window : windows_) {
    if (window.name == name) return &window;
  }
  return nullptr;
}

const Publisher* Policy::find_publisher(std::string_view name) const noexcept {
  for (const auto& publisher : publishers_) {
    if (publisher.name == name) return &publisher;
  }
  return nullptr;
}

}  // namespace signet::policy
