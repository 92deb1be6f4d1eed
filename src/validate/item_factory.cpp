#include "validate/item_factory.hpp"

#include <openssl/rand.h>

#include <fstream>
#include <span>
#include <system_error>

#include "core/file_io.hpp"
#include "core/hex.hpp"
#include "crypto/digest.hpp"
#include "crypto/ossl.hpp"
#include "formats/native_signature.hpp"
#include "formats/statement.hpp"

namespace signet::validate {
namespace {

namespace fs = std::filesystem;

Result<crypto::SigningKey> load_identity(const IdentitySpec& spec, const fs::path& base) {
  const auto resolve = [&](const std::string& p) {
    return fs::path(p).is_absolute() ? fs::path(p) : base / p;
  };
  auto certs = crypto::Certificate::load_pem_file(resolve(spec.cert));
  if (!certs) return std::unexpected(certs.error());
  if (certs->empty()) return fail(Errc::kUsage, "identity '" + spec.name + "': no certificate");
  std::vector<crypto::Certificate> chain(certs->begin() + 1, certs->end());
  for (const auto& file : spec.chain) {
    auto more = crypto::Certificate::load_pem_file(resolve(file));
    if (!more) return std::unexpected(more.error());
    chain.insert(chain.end(), more->begin(), more->end());
  }
  std::string key = spec.key;
  // file: keys are relative to the plan too (pkcs11: URIs name a token, not a path).
  if (key.starts_with("file:") && !fs::path(key.substr(5)).is_absolute()) {
    key = "file:" + (base / key.substr(5)).string();
  }
  return crypto::SigningKey::load(key, certs->front(), std::move(chain));
}

Bytes random_bytes(std::size_t n) {
  Bytes out(n);
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
    // The content only has to differ between runs; a failing DRBG must not stop validation.
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(i * 131u + n);
  }
  return out;
}

// Fresh content for an item: a small program for controllers, a real executable or script for
// the exec gate, random bytes otherwise.
Result<Bytes> fresh_content(const PointSpec& point, std::string_view label, std::uint64_t nonce) {
  const std::string tag =
      std::string(label) + " " + std::to_string(nonce) + " " + to_hex(random_bytes(8));
  if (point.kind == PointKind::kExec && point.artifact_class == "executable") {
    // A copy of true(1) with the tag appended: a runnable ELF (the loader ignores trailing bytes)
    // that exits 0, with a digest no earlier run made.
    auto binary = read_file_bytes("/usr/bin/true");
    if (!binary) return std::unexpected(binary.error());
    const std::string trailer = "\nsignet validate item: " + tag + "\n";
    binary->insert(binary->end(), trailer.begin(), trailer.end());
    return std::move(*binary);
  }
  if (point.kind == PointKind::kExec) {
    const std::string text = "#!/bin/sh\n# signet validate item: " + tag + "\nexit 0\n";
    return Bytes(text.begin(), text.end());
  }
  if (point.artifact_class == "plc-program" || point.artifact_class == "project-file") {
    const std::string text = "PROGRAM ValidateItem\n(* signet validate: " + tag +
                             " *)\nVAR level : REAL; fill_valve : BOOL; END_VAR\n"
                             "fill_valve := level < 80.0;\nEND_PROGRAM\n";
    return Bytes(text.begin(), text.end());
  }
  Bytes out;
  const std::string header = "signet validate item: " + tag + "\n";
  out.insert(out.end(), header.begin(), header.end());
  const Bytes body = random_bytes(4096);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

std::string sha256_hex(std::span<const std::uint8_t> data) {
  return to_hex(crypto::digest_bytes(crypto::DigestAlgorithm::kSha256, data));
}

Result<void> write_bytes(const fs::path& path, std::span<const std::uint8_t> data) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec)
    return fail(Errc::kIo, "cannot create " + path.parent_path().string() + ": " + ec.message());
  return write_file_atomic(path, data);
}

struct SignRequest {
  std::vector<const crypto::SigningKey*> keys;
  std::string artifact_class;
  std::string target;
  std::uint64_t counter = 1;
  std::optional<std::string> ticket;
  TimePoint when;
  std::vector<crypto::Crl> crls;
  const crypto::SigningKey* tsa = nullptr;  // RFC 3161 token for each signer
};

// A trust bundle (what `signet trust build` writes): class trust-bundle, the classes it covers
// as its target, the file's path (for people) and digest as its subject.
Result<Bytes> sign_bundle(const std::string& path, std::span<const std::uint8_t> content,
                          const SignRequest& request) {
  formats::Statement statement;
  statement.subjects.push_back({path, {{"sha256", sha256_hex(content)}}});
  auto& p = statement.predicate;
  p.artifact_class = "trust-bundle";
  p.target = request.artifact_class;
  p.description = "signet validate test bundle";
  formats::NativeSignOptions options;
  options.signing_time = request.when;
  options.crls = request.crls;
  options.tsa_key = request.tsa;
  return formats::sign_statement(statement, request.keys, options);
}

Result<Bytes> sign_content(const std::string& name, std::span<const std::uint8_t> content,
                           const SignRequest& request) {
  formats::Statement statement;
  statement.subjects.push_back({name, {{"sha256", sha256_hex(content)}}});
  auto& p = statement.predicate;
  p.artifact_class = request.artifact_class;
  p.target = request.target;
  p.version = "1." + std::to_string(request.counter) + ".0";
  p.counter = request.counter;
  p.ticket = request.ticket.value_or("");
  p.description = "signet validate test item";
  formats::NativeSignOptions options;
  options.signing_time = request.when;
  options.crls = request.crls;
  options.tsa_key = request.tsa;
  return formats::sign_statement(statement, request.keys, options);
}

// The signature with every SignerInfo removed: the same Statement and certificates, no signer.
Result<Bytes> strip_signers(std::span<const std::uint8_t> der) {
  const unsigned char* p = der.data();
  crypto::CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())));
  if (!cms) return fail(Errc::kCrypto, "strip: not a CMS: " + crypto::take_ossl_errors());
  ASN1_OCTET_STRING** content = CMS_get0_content(cms.get());
  if (content == nullptr || *content == nullptr) return fail(Errc::kCrypto, "strip: no content");
  crypto::X509StackPtr certs(CMS_get1_certs(cms.get()));
  // A SignedData without signers: CMS_PARTIAL leaves it unfinished (CMS_final refuses one without
  // a signer), and the encapsulated Statement is set directly.
  crypto::CmsPtr stripped(
      CMS_sign(nullptr, nullptr, certs.get(), nullptr, CMS_BINARY | CMS_NOSMIMECAP | CMS_PARTIAL));
  if (!stripped) return fail(Errc::kCrypto, "strip: " + crypto::take_ossl_errors());
  ASN1_OCTET_STRING** slot = CMS_get0_content(stripped.get());
  if (slot == nullptr) return fail(Errc::kCrypto, "strip: no content slot");
  if (*slot == nullptr) *slot = ASN1_OCTET_STRING_new();
  if (*slot == nullptr || ASN1_OCTET_STRING_set(*slot, (*content)->data, (*content)->length) != 1) {
    return fail(Errc::kCrypto, "strip: " + crypto::take_ossl_errors());
  }
  unsigned char* out = nullptr;
  const int length = i2d_CMS_ContentInfo(stripped.get(), &out);
  if (length <= 0) return fail(Errc::kCrypto, "strip: " + crypto::take_ossl_errors());
  crypto::OsslBytePtr owned(out);
  return Bytes(out, out + length);
}

std::string other_class(const std::string& artifact_class) {
  if (artifact_class == "executable") return "script";
  if (artifact_class == "script") return "executable";
  if (artifact_class == "plc-program") return "firmware";
  if (artifact_class == "firmware") return "plc-program";
  if (artifact_class == "config") return "project-file";
  return "config";
}

}  // namespace

Result<Identities> Identities::load(const PlanSpec& plan, const fs::path& base_dir) {
  Identities out;
  for (const auto& spec : plan.identities) {
    auto key = load_identity(spec, base_dir);
    if (!key) {
      return fail(key.error().code, "identity '" + spec.name + "': " + key.error().message);
    }
    std::vector<crypto::Crl> crls;
    for (const auto& file : spec.crls) {
      const fs::path path = fs::path(file).is_absolute() ? fs::path(file) : base_dir / file;
      auto loaded = crypto::Crl::load_file(path);
      if (!loaded)
        return fail(loaded.error().code, "identity '" + spec.name + "': " + loaded.error().message);
      crls.insert(crls.end(), loaded->begin(), loaded->end());
    }
    out.keys_.emplace(spec.name, std::move(*key));
    out.crls_.emplace(spec.name, std::move(crls));
  }
  return out;
}

Result<const crypto::SigningKey*> Identities::key(const std::string& name) const {
  const auto it = keys_.find(name);
  if (it == keys_.end()) return fail(Errc::kInternal, "identity '" + name + "' was not loaded");
  return &it->second;
}

const std::vector<crypto::Crl>& Identities::crls(const std::string& name) const {
  static const std::vector<crypto::Crl> kNone;
  const auto it = crls_.find(name);
  return it == crls_.end() ? kNone : it->second;
}

std::string artifact_name_for(const PointSpec& point) {
  if (!point.artifact_name.empty()) return point.artifact_name;
  if (point.artifact_class == "plc-program") return "program.st";
  if (point.artifact_class == "firmware") return "firmware.bin";
  if (point.artifact_class == "project-file") return "project.ap17";
  if (point.artifact_class == "script") return "item.sh";
  if (point.artifact_class == "executable") return "hmi-tool";
  return "item.bin";
}

fs::path item_path(const ItemContext& ctx, CaseId id) {
  const std::string name = artifact_name_for(*ctx.point);
  const std::string case_name(case_info(id).name);
  if (ctx.point->kind == PointKind::kExec || ctx.point->kind == PointKind::kGuard) {
    return ctx.watch_dir / (case_name + "-" + name);  // directly in the watched directory
  }
  return ctx.point_dir / case_name / name;
}

Result<void> overwrite_in_place(const fs::path& path, std::span<const std::uint8_t> data) {
  std::ofstream out(path, std::ios::binary | std::ios::in | std::ios::out | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  out.close();
  if (!out) return fail(Errc::kIo, "cannot rewrite " + path.string());
  return {};
}

Result<Item> make_item(CaseId id, const ItemContext& ctx) {
  const PointSpec& point = *ctx.point;
  const CaseInfo& info = case_info(id);
  const fs::path dir = ctx.point_dir / std::string(info.name);
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir, ec);
  const bool exec_point = point.kind == PointKind::kExec;
  const bool content_point = exec_point || point.kind == PointKind::kGuard;

  Item item;
  item.id = id;
  item.artifact = item_path(ctx, id);
  const std::string name = item.artifact.filename().string();
  item.signature = exec_point ? dir / "bundle.sig" : fs::path(item.artifact.string() + ".sig");
  fs::remove(item.artifact, ec);
  fs::remove(item.artifact.string() + ".sig", ec);
  item.ticket = point.ticket;

  // The control's signing request; the cases below change one thing each.
  SignRequest control;
  const std::string& publisher = point.publisher;
  auto publisher_key = ctx.identities->key(publisher);
  if (!publisher_key) return std::unexpected(publisher_key.error());
  control.keys.push_back(*publisher_key);
  std::string signers = publisher;
  control.crls = ctx.identities->crls(publisher);
  if (point.cosigner) {
    auto cosigner_key = ctx.identities->key(*point.cosigner);
    if (!cosigner_key) return std::unexpected(cosigner_key.error());
    control.keys.push_back(*cosigner_key);
    signers += " + " + *point.cosigner;
  }
  control.artifact_class = point.artifact_class;
  control.target = point.target;
  control.counter = point.counter;
  control.ticket = point.ticket;
  control.when = ctx.now;
  if (point.tsa) {
    auto tsa_key = ctx.identities->key(*point.tsa);
    if (!tsa_key) return std::unexpected(tsa_key.error());
    control.tsa = *tsa_key;
  }

  const auto negative = [&](const std::optional<std::string>& identity) -> Result<SignRequest> {
    if (!identity)
      return fail(Errc::kInternal, "no [negative] identity for " + std::string(info.name));
    auto key = ctx.identities->key(*identity);
    if (!key) return std::unexpected(key.error());
    SignRequest request = control;
    request.keys = {*key};
    request.crls = ctx.identities->crls(*identity);
    signers = *identity;
    return request;
  };

  auto fresh = fresh_content(point, info.name, ctx.nonce);
  if (!fresh) return std::unexpected(fresh.error());
  Bytes content = std::move(*fresh);
  std::optional<SignRequest> request = control;
  std::optional<Bytes> signed_content;  // what the signature covers, when not `content`
  switch (id) {
    case CaseId::kControl:
      item.made = "signed by " + signers;
      break;
    case CaseId::kUnsigned:
      request.reset();
      item.made = "no signature";
      break;
    case CaseId::kTampered:
      item.made = "signed by " + signers + ", then one byte changed";
      break;
    case CaseId::kStripped:
      item.made = "signed by " + signers + ", then its SignerInfos removed";
      break;
    case CaseId::kSwapped: {
      auto other = fresh_content(point, "swapped-source", ctx.nonce);
      if (!other) return std::unexpected(other.error());
      signed_content = std::move(*other);
      item.made = "carries the signature (by " + signers + ") of another artifact";
      break;
    }
    case CaseId::kUntrustedSigner:
    case CaseId::kWrongEku:
    case CaseId::kExpired:
    case CaseId::kRevoked:
    case CaseId::kWeakAlgorithm: {
      const NegativeSpec& n = ctx.plan->negative;
      const std::optional<std::string>& identity = id == CaseId::kUntrustedSigner ? n.untrusted
                                                   : id == CaseId::kWrongEku      ? n.wrong_eku
                                                   : id == CaseId::kExpired       ? n.expired
                                                   : id == CaseId::kRevoked       ? n.revoked
                                                                                  : n.weak;
      auto made = negative(identity);
      if (!made) return std::unexpected(made.error());
      request = std::move(*made);
      if (id == CaseId::kExpired) {
        // Signed while the certificate was valid, without a timestamp.
        const auto& cert = request->keys.front()->certificate();
        request->when = cert.not_before() + (cert.not_after() - cert.not_before()) / 2;
        request->tsa = nullptr;  // "expired without timestamp"
        if (request->when >= ctx.now) {
          return fail(Errc::kUsage, "identity '" + signers +
                                        "' for case 'expired' has not expired: its certificate "
                                        "is valid until " +
                                        format_rfc3339(cert.not_after()));
        }
      }
      item.made = "signed by " + signers + " (" + std::string(info.title) + ")";
      if (id == CaseId::kExpired) item.made += " at " + format_rfc3339(request->when);
      break;
    }
    case CaseId::kDowngrade:
      request->counter = point.counter - 1;
      item.made = "signed by " + signers + " with security counter " +
                  std::to_string(request->counter) + " (control: " + std::to_string(point.counter) +
                  ")";
      break;
    case CaseId::kWrongTarget:
      request->target = point.target + "-other";
      item.made = "signed by " + signers + " for target " + request->target;
      break;
    case CaseId::kWrongClass:
      request->artifact_class = other_class(point.artifact_class);
      item.made = "signed by " + signers + " as class " + request->artifact_class;
      break;
    case CaseId::kOneSigner:
      request->keys.resize(1);
      item.made = "signed by " + publisher + " only";
      break;
    case CaseId::kOutsideWindow:
      item.at = ctx.closed_at;
      item.made = "signed by " + signers + ", introduced at " +
                  (ctx.closed_at ? format_rfc3339(*ctx.closed_at) : std::string("now"));
      break;
    case CaseId::kMissingTicket:
      request->ticket.reset();
      item.ticket.reset();
      item.made = "signed by " + signers + " without a ticket, introduced without one";
      break;
    case CaseId::kMasquerading: {
      // The trusted (control) item's name, path and signature; other content, written when it is
      // introduced.
      const fs::path control_artifact = item_path(ctx, CaseId::kControl);
      auto original = read_file_bytes(control_artifact);
      if (!original) return std::unexpected(original.error());
      const fs::path kept_copy = dir / (control_artifact.filename().string() + ".trusted");
      if (auto kept = write_bytes(kept_copy, *original); !kept) {
        return std::unexpected(kept.error());
      }
      item.artifact = control_artifact;
      item.signature = exec_point ? ctx.point_dir / "control" / "bundle.sig"
                                  : fs::path(control_artifact.string() + ".sig");
      item.sha256 = sha256_hex(content);
      item.rewrite = std::move(content);
      item.restore = kept_copy;
      item.made = "other content at the trusted item's path " + control_artifact.string() +
                  ", with its signature";
      return item;
    }
  }

  if (request) {
    const Bytes& covered = signed_content ? *signed_content : content;
    auto signature = exec_point ? sign_bundle(item.artifact.string(), covered, *request)
                                : sign_content(name, covered, *request);
    if (!signature) return std::unexpected(signature.error());
    Bytes der = std::move(*signature);
    if (id == CaseId::kStripped) {
      auto stripped = strip_signers(der);
      if (!stripped) return std::unexpected(stripped.error());
      der = std::move(*stripped);
    }
    if (auto written = write_bytes(item.signature, der); !written) {
      return std::unexpected(written.error());
    }
    if (exec_point) item.bundles.push_back(item.signature);
  }
  Bytes introduced = content;
  if (id == CaseId::kTampered) introduced[introduced.size() / 2] ^= 0x01;
  // At a gate, the tampering happens while the gate watches (a write to a trusted file).
  const bool later = content_point && id == CaseId::kTampered;
  if (auto written = write_bytes(item.artifact, later ? content : introduced); !written) {
    return std::unexpected(written.error());
  }
  if (exec_point) {
    fs::permissions(item.artifact,
                    fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                        fs::perms::others_read | fs::perms::others_exec,
                    ec);
  }
  if (later) item.rewrite = introduced;
  item.sha256 = sha256_hex(introduced);
  return item;
}

Result<void> apply_rewrite(const Item& item) {
  if (!item.rewrite) return {};
  return overwrite_in_place(item.artifact, *item.rewrite);
}

Result<void> restore_trusted(const Item& item) {
  if (!item.restore) return {};
  auto original = read_file_bytes(*item.restore);
  if (!original) return std::unexpected(original.error());
  return overwrite_in_place(item.artifact, *original);
}

}  // namespace signet::validate
