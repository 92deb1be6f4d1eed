// Makes the test items of each case, fresh for every run: new content (so every item has a digest
// no earlier run produced, and events can be matched to it) and real signatures made with the
// plan's identities — keys in a PKCS#11 token, or file keys for test-only material.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/time.hpp"
#include "crypto/certificate.hpp"
#include "crypto/signing_key.hpp"
#include "validate/case_catalogue.hpp"
#include "validate/plan.hpp"

namespace signet::validate {

// The plan's identities, loaded once per run (a token login each).
class Identities {
 public:
  // Paths in the specs are relative to base_dir. Only the identities `names` are loaded.
  [[nodiscard]] static Result<Identities> load(const PlanSpec& plan,
                                               const std::filesystem::path& base_dir);
  [[nodiscard]] Result<const crypto::SigningKey*> key(const std::string& name) const;
  [[nodiscard]] const std::vector<crypto::Crl>& crls(const std::string& name) const;

 private:
  std::map<std::string, crypto::SigningKey> keys_;
  std::map<std::string, std::vector<crypto::Crl>> crls_;
};

// One test item, ready to be introduced at its point.
struct Item {
  CaseId id = CaseId::kControl;
  std::filesystem::path artifact;     // the file introduced
  std::filesystem::path signature;    // ARTIFACT.sig (absent for unsigned items)
  std::string sha256;                 // of the artifact as introduced
  std::optional<std::string> ticket;  // the ticket presented at the point
  std::optional<TimePoint> at;        // introduce at this moment (outside-window)
  std::string made;                   // how it was made, for the evidence
  // Written to `artifact` just before the item is introduced (the gate already running): a
  // tampering or a masquerade happens where the point can see it.
  std::optional<Bytes> rewrite;
  std::optional<std::filesystem::path> restore;  // masquerading: the trusted file put back after
  std::vector<std::filesystem::path> bundles;    // exec: trust bundles the gate is given
};

struct ItemContext {
  const PlanSpec* plan = nullptr;
  const PointSpec* point = nullptr;
  const Identities* identities = nullptr;
  std::filesystem::path point_dir;  // OUT/work/POINT: one directory per case below it
  std::filesystem::path watch_dir;  // exec, guard: items go directly into the gated directory
  TimePoint now;
  std::optional<TimePoint> closed_at;  // outside-window: a moment the windows are closed
  std::uint64_t nonce = 0;             // distinguishes runs and items
};

// Makes the item of `id` under ctx.point_dir/CASE/ (exec and guard: in ctx.watch_dir, named
// CASE-NAME). kMasquerading takes the control's name, path and signature: its content is a
// `rewrite` of the control's file, and `restore` puts the trusted file back afterwards.
[[nodiscard]] Result<Item> make_item(CaseId id, const ItemContext& ctx);

// Writes an item's `rewrite` into its artifact in place (same inode: what a tampering or a
// masquerade does to a file already there), and puts the trusted content back after a masquerade.
[[nodiscard]] Result<void> apply_rewrite(const Item& item);
[[nodiscard]] Result<void> restore_trusted(const Item& item);

// The file name items of a point get: the plan's artifact_name, else one fitting the class.
[[nodiscard]] std::string artifact_name_for(const PointSpec& point);

}  // namespace signet::validate
