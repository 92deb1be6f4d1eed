// A plant PKI (root -> issuing CA -> Alice, Bob) and a policy over it, for the change-control
// tests (policy evaluation with tickets, windows, rollback, two-person rule; the download gate).
// Evidence is built by hand: the format units are tested elsewhere; here the policy decides.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "formats/evidence.hpp"
#include "policy/evaluate.hpp"
#include "policy/policy.hpp"
#include "support/test_pki.hpp"

namespace signet::testing {

inline TimePoint utc(std::string_view rfc3339) {
  auto t = parse_rfc3339(rfc3339);
  EXPECT_TRUE(t.has_value()) << rfc3339;
  return t.value_or(TimePoint{});
}

inline const std::string kProgDigest = std::string(64, 'a');
inline const std::string kCfgDigest = std::string(64, 'c');
inline const std::string kLine3Target = "acme/plc-5000/line3/plc1";

class ChangeControlFixture : public ::testing::Test {
 protected:
  ChangeControlFixture()
      : root_(issue({.subject = "O=Example Plant, CN=Plant Root", .is_ca = true}, KeyKind::kEcP256,
                    nullptr)),
        ica_(issue({.subject = "O=Example Plant, CN=Plant Issuing CA", .is_ca = true},
                   KeyKind::kEcP256, &root_)),
        alice_(leaf("O=Example Plant, OU=OT Engineering, CN=Alice")),
        alice_again_(leaf("O=Example Plant, OU=OT Engineering, CN=Alice")),
        bob_(leaf("O=Example Plant, OU=OT Engineering, CN=Bob")) {
    std::ofstream(std::filesystem::path(dir_.path()) / "root.pem") << root_.cert.pem();
  }

  Issued leaf(const std::string& subject) {
    return issue({.subject = subject, .ekus = std::vector<std::string>{"codeSigning"}},
                 KeyKind::kEcP256, &ica_);
  }

  // One rule per class for line 3; tests add change-control keys to it.
 public:
  static policy::PolicySpec base_spec() {
    policy::PolicySpec spec;
    spec.trust_stores.push_back({.name = "plant", .anchors = {"root.pem"}});
    spec.publishers.push_back({.name = "ot-engineering",
                               .store = "plant",
                               .subject = "O=Example Plant, OU=OT Engineering, CN=*"});
    spec.rules.push_back({.id = "plc-line3",
                          .artifact_class = "plc-program",
                          .target = "acme/*/line3/*",
                          .publishers = {"ot-engineering"}});
    spec.rules.push_back({.id = "fw-line3",
                          .artifact_class = "firmware",
                          .target = "acme/*/line3/*",
                          .publishers = {"ot-engineering"}});
    return spec;
  }

 protected:
  [[nodiscard]] policy::Policy policy(const policy::PolicySpec& spec) const {
    auto loaded = policy::Policy::from_spec(spec, dir_.path());
    EXPECT_TRUE(loaded.has_value()) << (loaded ? "" : loaded.error().message);
    return std::move(*loaded);
  }

  // A Statement for prog.bin + prog.cfg of PLC 1 on line 3, signed by `signers`.
  [[nodiscard]] formats::SignatureEvidence evidence(std::vector<const Issued*> signers,
                                                    formats::ReleasePredicate predicate = {
                                                        .artifact_class = "plc-program",
                                                        .target = kLine3Target}) const {
    formats::SignatureEvidence ev;
    ev.format = "signet";
    ev.certificates = {ica_.cert};
    ev.statement =
        formats::Statement{.subjects = {{.name = "prog.bin", .digest = {{"sha256", kProgDigest}}},
                                        {.name = "prog.cfg", .digest = {{"sha256", kCfgDigest}}}},
                           .predicate = std::move(predicate)};
    for (const Issued* signer : signers) {
      formats::SignerEvidence s;
      s.certificate = signer->cert;
      s.digest_algorithm = "sha256";
      ev.signers.push_back(std::move(s));
    }
    return ev;
  }

  static policy::EvaluationContext context(TimePoint now) {
    policy::EvaluationContext ctx;
    ctx.now = now;
    ctx.artifacts = {{.path = "/srv/plc/prog.bin", .sha256 = kProgDigest}};
    ctx.installed = policy::InstalledState{};
    return ctx;
  }

  TempDir dir_;
  Issued root_;
  Issued ica_;
  Issued alice_;
  Issued alice_again_;  // re-issued to the same subject: the same person
  Issued bob_;
};

inline std::string reason_codes(const policy::Decision& d) {
  std::string out;
  for (const auto& r : d.reasons) out += std::string(reason_name(r.code)) + " (" + r.detail + ") ";
  return out;
}

}  // namespace signet::testing
