// parse_plan(): TOML text -> PlanSpec. Pure and fuzzed: the standard library, core/ and toml++
// (header-only), read through the same toml_guard and Field tables as the trust policy, so that
// unknown keys are errors with their place and line here too.
#include <algorithm>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "core/time.hpp"
#include "policy/toml_fields.hpp"
#include "policy/toml_guard.hpp"
#include "validate/case_catalogue.hpp"
#include "validate/plan.hpp"

namespace signet::validate {
namespace {

using namespace policy::toml_fields;  // NOLINT(google-build-using-namespace): Field helpers

constexpr EnumName<PointKind> kKinds[] = {{"verify", PointKind::kVerify},
                                          {"download", PointKind::kDownload},
                                          {"command", PointKind::kCommand},
                                          {"exec", PointKind::kExec},
                                          {"guard", PointKind::kGuard}};
constexpr EnumName<ChangeControl> kControls[] = {{"two-person", ChangeControl::kTwoPerson},
                                                 {"ticket", ChangeControl::kTicket},
                                                 {"window", ChangeControl::kWindow},
                                                 {"rollback", ChangeControl::kRollback}};
constexpr EnumName<GapLack> kLacks[] = {{"signature-enforcement", GapLack::kEnforcement},
                                        {"logging", GapLack::kLogging}};

std::unexpected<Error> plan_error(std::string message) {
  return fail(Errc::kPlanInvalid, std::move(message));
}

// ---- value readers --------------------------------------------------------------------------

template <class T>
Result<T> integer_in(const toml::node& node, const At& at, std::int64_t min, std::int64_t max) {
  const auto* value = node.as_integer();
  if (value == nullptr) return invalid(at, node, "must be an integer, not " + type_name(node));
  if (value->get() < min || value->get() > max) {
    return invalid(at, node, "must be from " + std::to_string(min) + " to " + std::to_string(max));
  }
  return static_cast<T>(value->get());
}

template <class S, std::optional<std::string> S::*M>
Result<void> optional_string_field(const toml::node& node, const At& at, S& out) {
  auto value = read_string(node, at);
  if (!value) return std::unexpected(std::move(value.error()));
  out.*M = std::move(*value);
  return {};
}

template <class E, std::size_t N>
Result<std::vector<E>> read_enums(const toml::node& node, const At& at,
                                  const EnumName<E> (&names)[N]) {
  const auto* array = node.as_array();
  if (array == nullptr) {
    return invalid(at, node, "must be an array of strings, not " + type_name(node));
  }
  std::vector<E> out;
  for (std::size_t i = 0; i < array->size(); ++i) {
    auto value =
        read_enum(*array->get(i), At{at.where, at.key + "[" + std::to_string(i) + "]"}, names);
    if (!value) return std::unexpected(std::move(value.error()));
    if (std::find(out.begin(), out.end(), *value) != out.end()) {
      return invalid(at, node, "names a value twice");
    }
    out.push_back(*value);
  }
  return out;
}

Result<std::vector<int>> read_statuses(const toml::node& node, const At& at) {
  const auto* array = node.as_array();
  if (array == nullptr || array->empty()) {
    return invalid(at, node, "must be a non-empty array of exit statuses (0-255)");
  }
  std::vector<int> out;
  for (std::size_t i = 0; i < array->size(); ++i) {
    auto value = integer_in<int>(*array->get(i),
                                 At{at.where, at.key + "[" + std::to_string(i) + "]"}, 0, 255);
    if (!value) return std::unexpected(std::move(value.error()));
    out.push_back(*value);
  }
  return out;
}

// ---- [soc] ------------------------------------------------------------------------------------

// Loopback only: validate's receiver never listens on a network a plant shares.
bool is_loopback_address(std::string_view address) {
  const auto colon = address.rfind(':');
  if (colon == std::string_view::npos || colon + 1 >= address.size()) return false;
  const std::string_view host = address.substr(0, colon);
  const std::string_view port = address.substr(colon + 1);
  if (port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  const int number = std::stoi(std::string(port));
  if (number < 1 || number > 65535) return false;
  if (host == "[::1]") return true;
  if (!host.starts_with("127.")) return false;
  int dots = 0;
  for (const char c : host) {
    if (c == '.') {
      ++dots;
    } else if (c < '0' || c > '9') {
      return false;
    }
  }
  return dots == 3 && host.find("..") == std::string_view::npos && !host.ends_with('.');
}

Result<void> listen_field(const toml::node& node, const At& at, SocSpec& out) {
  auto text = read_string(node, at);
  if (!text) return std::unexpected(std::move(text.error()));
  if (!is_loopback_address(*text)) {
    return invalid(at, node,
                   "must be a loopback address with a port, such as \"127.0.0.1:5514\" or "
                   "\"[::1]:5514\", not \"" +
                       *text + "\"");
  }
  out.listen = std::move(*text);
  return {};
}

Result<void> settle_field(const toml::node& node, const At& at, SocSpec& out) {
  auto value = integer_in<std::uint32_t>(node, at, 0, 60000);
  if (!value) return std::unexpected(std::move(value.error()));
  out.settle_ms = *value;
  return {};
}

constexpr Field<SocSpec> kSocFields[] = {
    {"listen", true, listen_field},
    {"settle_ms", false, settle_field},
};

// ---- [identity.NAME] and [negative] --------------------------------------------------------

constexpr Field<IdentitySpec> kIdentityFields[] = {
    {"key", true, string_field<IdentitySpec, &IdentitySpec::key>},
    {"cert", true, string_field<IdentitySpec, &IdentitySpec::cert>},
    {"chain", false, strings_field<IdentitySpec, &IdentitySpec::chain, false>},
    {"crls", false, strings_field<IdentitySpec, &IdentitySpec::crls, false>},
};

constexpr Field<NegativeSpec> kNegativeFields[] = {
    {"untrusted", false, optional_string_field<NegativeSpec, &NegativeSpec::untrusted>},
    {"wrong_eku", false, optional_string_field<NegativeSpec, &NegativeSpec::wrong_eku>},
    {"expired", false, optional_string_field<NegativeSpec, &NegativeSpec::expired>},
    {"revoked", false, optional_string_field<NegativeSpec, &NegativeSpec::revoked>},
    {"weak", false, optional_string_field<NegativeSpec, &NegativeSpec::weak>},
};

// ---- [[point]] --------------------------------------------------------------------------------

// Names end up in file names (OUT/work/NAME/...) and test names: a conservative alphabet.
bool is_safe_name(std::string_view name) {
  if (name.empty() || name.size() > 64 || name.front() == '.' || name.front() == '-') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

template <std::string PointSpec::*M>
Result<void> safe_name_field(const toml::node& node, const At& at, PointSpec& out) {
  auto text = read_string(node, at);
  if (!text) return std::unexpected(std::move(text.error()));
  if (!is_safe_name(*text)) {
    return invalid(at, node,
                   "must be 1-64 letters, digits, '.', '_' or '-' (not starting with '.' or "
                   "'-'), not \"" +
                       *text + "\"");
  }
  out.*M = std::move(*text);
  return {};
}

Result<void> kind_field(const toml::node& node, const At& at, PointSpec& out) {
  auto value = read_enum(node, at, kKinds);
  if (!value) return std::unexpected(std::move(value.error()));
  out.kind = *value;
  return {};
}

Result<void> counter_field(const toml::node& node, const At& at, PointSpec& out) {
  auto value = integer_in<std::uint64_t>(node, at, 1, std::int64_t{1} << 53);
  if (!value) return std::unexpected(std::move(value.error()));
  out.counter = *value;
  return {};
}

Result<void> change_control_field(const toml::node& node, const At& at, PointSpec& out) {
  auto value = read_enums(node, at, kControls);
  if (!value) return std::unexpected(std::move(value.error()));
  out.change_control = std::move(*value);
  return {};
}

Result<void> closed_at_field(const toml::node& node, const At& at, PointSpec& out) {
  auto text = read_string(node, at);
  if (!text) return std::unexpected(std::move(text.error()));
  if (auto parsed = parse_rfc3339(*text); !parsed) {
    return invalid(at, node, "is not an RFC 3339 time with offset: " + parsed.error().message);
  }
  out.closed_at = std::move(*text);
  return {};
}

template <std::vector<int> PointSpec::*M>
Result<void> statuses_field(const toml::node& node, const At& at, PointSpec& out) {
  auto value = read_statuses(node, at);
  if (!value) return std::unexpected(std::move(value.error()));
  out.*M = std::move(*value);
  return {};
}

Result<void> events_field(const toml::node& node, const At& at, PointSpec& out) {
  if (node.is_string()) {
    auto value = read_string(node, at);
    if (!value) return std::unexpected(std::move(value.error()));
    out.events = {std::move(*value)};
    return {};
  }
  auto value = read_strings(node, at, /*non_empty=*/true);
  if (!value) return std::unexpected(std::move(value.error()));
  out.events = std::move(*value);
  return {};
}

Result<void> cases_field(const toml::node& node, const At& at, PointSpec& out) {
  auto names = read_strings(node, at, /*non_empty=*/true);
  if (!names) return std::unexpected(std::move(names.error()));
  std::set<std::string> seen;
  for (const auto& name : *names) {
    if (find_case(name) == nullptr) {
      std::string known;
      for (const auto& info : case_catalogue()) {
        known += (known.empty() ? "" : ", ") + std::string(info.name);
      }
      return invalid(at, node, "names unknown case '" + name + "' (known: " + known + ")");
    }
    if (!seen.insert(name).second) return invalid(at, node, "names case '" + name + "' twice");
  }
  out.cases = std::move(*names);
  return {};
}

Result<void> timeout_field(const toml::node& node, const At& at, PointSpec& out) {
  auto value = integer_in<std::uint32_t>(node, at, 1, 3600);
  if (!value) return std::unexpected(std::move(value.error()));
  out.timeout_seconds = *value;
  return {};
}

constexpr Field<PointSpec> kPointFields[] = {
    {"name", true, safe_name_field<&PointSpec::name>},
    {"kind", true, kind_field},
    {"policy", false, string_field<PointSpec, &PointSpec::policy>},
    {"class", true, string_field<PointSpec, &PointSpec::artifact_class>},
    {"target", false, string_field<PointSpec, &PointSpec::target>},
    {"publisher", true, string_field<PointSpec, &PointSpec::publisher>},
    {"cosigner", false, optional_string_field<PointSpec, &PointSpec::cosigner>},
    {"tsa", false, optional_string_field<PointSpec, &PointSpec::tsa>},
    {"ticket", false, optional_string_field<PointSpec, &PointSpec::ticket>},
    {"counter", false, counter_field},
    {"change_control", false, change_control_field},
    {"closed_at", false, closed_at_field},
    {"operation", false, string_field<PointSpec, &PointSpec::operation>},
    {"scope", false, string_field<PointSpec, &PointSpec::scope>},
    {"command", false, strings_field<PointSpec, &PointSpec::command, true>},
    {"allowed_exit", false, statuses_field<&PointSpec::allowed_exit>},
    {"blocked_exit", false, statuses_field<&PointSpec::blocked_exit>},
    {"events", false, events_field},
    {"artifact_name", false, safe_name_field<&PointSpec::artifact_name>},
    {"cases", false, cases_field},
    {"timeout", false, timeout_field},
    {"watch", false, string_field<PointSpec, &PointSpec::watch>},
    {"interpreter", false, strings_field<PointSpec, &PointSpec::interpreter, true>},
};

// ---- [[gap]] ----------------------------------------------------------------------------------

Result<void> lacks_field(const toml::node& node, const At& at, GapSpec& out) {
  auto value = read_enums(node, at, kLacks);
  if (!value) return std::unexpected(std::move(value.error()));
  if (value->empty()) return invalid(at, node, "must not be empty");
  out.lacks = std::move(*value);
  return {};
}

constexpr Field<GapSpec> kGapFields[] = {
    {"asset", true, string_field<GapSpec, &GapSpec::asset>},
    {"workflow", false, string_field<GapSpec, &GapSpec::workflow>},
    {"reason", true, string_field<GapSpec, &GapSpec::reason>},
    {"lacks", true, lacks_field},
    {"change_approval", false, string_field<GapSpec, &GapSpec::change_approval>},
    {"monitoring", false, string_field<GapSpec, &GapSpec::monitoring>},
    {"access_control", false, string_field<GapSpec, &GapSpec::access_control>},
};

// ---- top level --------------------------------------------------------------------------------

Result<void> soc_section(const toml::node& node, const At& at, PlanSpec& out) {
  const auto* table = node.as_table();
  if (table == nullptr) return invalid(at, node, "must be a table, not " + type_name(node));
  SocSpec soc;
  if (auto read = read_fields<SocSpec>(*table, "soc", kSocFields, soc); !read) return read;
  out.soc = std::move(soc);
  return {};
}

Result<void> negative_section(const toml::node& node, const At& at, PlanSpec& out) {
  const auto* table = node.as_table();
  if (table == nullptr) return invalid(at, node, "must be a table, not " + type_name(node));
  return read_fields<NegativeSpec>(*table, "negative", kNegativeFields, out.negative);
}

Result<void> identity_section(const toml::node& node, const At& at, PlanSpec& out) {
  const auto* table = node.as_table();
  if (table == nullptr) {
    return invalid(at, node, "must be a table of [identity.NAME] tables, not " + type_name(node));
  }
  std::vector<std::pair<const toml::key*, const toml::node*>> entries;
  for (const auto& [key, value] : *table) entries.emplace_back(&key, &value);
  std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    const auto& pa = a.first->source().begin;
    const auto& pb = b.first->source().begin;
    return std::tie(pa.line, pa.column) < std::tie(pb.line, pb.column);
  });
  for (const auto& [key, value] : entries) {
    const std::string where = "identity '" + std::string(key->str()) + "'";
    if (key->str().empty()) {
      return plan_error("identity: empty name" + line_suffix(key->source()));
    }
    const auto* fields = value->as_table();
    if (fields == nullptr) {
      return plan_error(where + " must be a table, not " + type_name(*value) +
                        line_suffix(value->source()));
    }
    IdentitySpec spec;
    spec.name = std::string(key->str());
    if (auto read = read_fields<IdentitySpec>(*fields, where, kIdentityFields, spec); !read) {
      return read;
    }
    out.identities.push_back(std::move(spec));
  }
  return {};
}

template <class S, std::vector<S> PlanSpec::*M, const auto& kFields>
Result<void> array_section(const toml::node& node, const At& at, PlanSpec& out) {
  const auto* array = node.as_array();
  if (array == nullptr || !array->is_array_of_tables()) {
    return invalid(at, node,
                   "must be an array of tables ([[" + at.key + "]]), not " + type_name(node));
  }
  for (std::size_t i = 0; i < array->size(); ++i) {
    const auto& table = *array->get(i)->as_table();
    std::string where = at.key + "[" + std::to_string(i) + "]";
    if (const auto* name = table.get("name"); name != nullptr && name->is_string()) {
      where += " '" + name->as_string()->get() + "'";
    }
    S spec;
    if (auto read = read_fields<S>(table, where, kFields, spec); !read) return read;
    (out.*M).push_back(std::move(spec));
  }
  return {};
}

constexpr Field<PlanSpec> kTopLevelFields[] = {
    {"title", false, string_field<PlanSpec, &PlanSpec::title>},
    {"soc", false, soc_section},
    {"identity", false, identity_section},
    {"negative", false, negative_section},
    {"point", true, array_section<PointSpec, &PlanSpec::points, kPointFields>},
    {"gap", false, array_section<GapSpec, &PlanSpec::gaps, kGapFields>},
};

// ---- whole-plan checks --------------------------------------------------------------------------

std::optional<std::string> negative_identity(const NegativeSpec& negative, CaseId id,
                                             std::string_view& key) {
  switch (id) {
    case CaseId::kUntrustedSigner:
      key = "untrusted";
      return negative.untrusted.value_or("");
    case CaseId::kWrongEku:
      key = "wrong_eku";
      return negative.wrong_eku.value_or("");
    case CaseId::kExpired:
      key = "expired";
      return negative.expired.value_or("");
    case CaseId::kRevoked:
      key = "revoked";
      return negative.revoked.value_or("");
    case CaseId::kWeakAlgorithm:
      key = "weak";
      return negative.weak.value_or("");
    default:
      return std::nullopt;
  }
}

bool has_placeholder(const std::vector<std::string>& argv, std::string_view placeholder) {
  return std::any_of(argv.begin(), argv.end(), [&](const std::string& arg) {
    return arg.find(placeholder) != std::string::npos;
  });
}

Result<void> check_point(const PlanSpec& plan, const PointSpec& point) {
  const std::string where = "point '" + point.name + "'";
  const auto need = [&](bool present, std::string_view key) -> Result<void> {
    if (present) return {};
    return plan_error(where + ": kind '" + std::string(point_kind_name(point.kind)) + "' needs '" +
                      std::string(key) + "'");
  };
  const auto refuse = [&](bool present, std::string_view key) -> Result<void> {
    if (!present) return {};
    return plan_error(where + ": '" + std::string(key) + "' does not apply to kind '" +
                      std::string(point_kind_name(point.kind)) + "'");
  };
  Result<void> checks[] = {
      need(!point.policy.empty() || point.kind == PointKind::kCommand, "policy"),
      need(!point.target.empty() || point.kind == PointKind::kExec ||
               point.kind == PointKind::kGuard,
           "target"),
      need(!point.command.empty() || point.kind == PointKind::kVerify ||
               point.kind == PointKind::kExec,
           "command"),
      need(!point.watch.empty() ||
               (point.kind != PointKind::kExec && point.kind != PointKind::kGuard),
           "watch"),
      refuse(!point.operation.empty() && point.kind != PointKind::kDownload, "operation"),
      refuse(!point.scope.empty() && point.kind != PointKind::kDownload, "scope"),
      refuse(!point.command.empty() &&
                 (point.kind == PointKind::kVerify || point.kind == PointKind::kExec),
             "command"),
      refuse(point.kind != PointKind::kCommand &&
                 (point.allowed_exit != std::vector<int>{0} || !point.blocked_exit.empty()),
             "allowed_exit/blocked_exit"),
      refuse(
          !point.watch.empty() && point.kind != PointKind::kExec && point.kind != PointKind::kGuard,
          "watch"),
      refuse(!point.interpreter.empty() && point.kind != PointKind::kExec, "interpreter"),
  };
  for (auto& check : checks) {
    if (!check) return check;
  }
  if (point.kind == PointKind::kExec && point.artifact_class != "executable" &&
      point.artifact_class != "script") {
    return plan_error(where + ": kind 'exec' tests class \"executable\" or \"script\", not \"" +
                      point.artifact_class + "\"");
  }
  if (point.kind == PointKind::kExec && point.artifact_class == "script" &&
      point.interpreter.empty()) {
    return plan_error(where + ": class \"script\" needs the 'interpreter' that runs the items");
  }
  if (point.kind == PointKind::kGuard && point.artifact_class != "project-file") {
    return plan_error(where + ": kind 'guard' tests class \"project-file\"");
  }
  if (point.kind == PointKind::kGuard && !has_placeholder(point.command, "{artifact}")) {
    return plan_error(where +
                      ": 'command' (the engineering tool) must open the item as {artifact}");
  }
  if (point.kind == PointKind::kCommand && !has_placeholder(point.command, "{artifact}")) {
    return plan_error(where + ": 'command' must pass the item as {artifact}");
  }
  for (const int status : point.blocked_exit) {
    if (std::find(point.allowed_exit.begin(), point.allowed_exit.end(), status) !=
        point.allowed_exit.end()) {
      return plan_error(where + ": exit status " + std::to_string(status) +
                        " is both allowed and blocked");
    }
  }
  for (const auto* name : {&point.publisher, point.cosigner ? &*point.cosigner : nullptr,
                           point.tsa ? &*point.tsa : nullptr}) {
    if (name != nullptr && plan.find_identity(*name) == nullptr) {
      return plan_error(where + ": names undefined identity '" + *name + "'");
    }
  }
  if (point.cosigner && *point.cosigner == point.publisher) {
    return plan_error(where + ": 'cosigner' must be another identity than 'publisher'");
  }
  for (const auto control : point.change_control) {
    const bool two = control == ChangeControl::kTwoPerson;
    if (two && !point.cosigner) {
      return plan_error(where + ": change_control \"two-person\" needs a 'cosigner'");
    }
    if (control == ChangeControl::kTicket && !point.ticket) {
      return plan_error(where + ": change_control \"ticket\" needs the control's 'ticket'");
    }
  }
  for (const auto& name : point.cases) {
    const CaseInfo* info = find_case(name);
    if (auto why = not_applicable(info->id, point)) {
      return plan_error(where + ": case '" + name + "' does not apply here: " + *why);
    }
  }
  for (const CaseId id : cases_for(point)) {
    std::string_view key;
    const auto identity = negative_identity(plan.negative, id, key);
    if (!identity) continue;
    if (identity->empty()) {
      return plan_error(where + ": case '" + std::string(case_info(id).name) +
                        "' needs [negative] " + std::string(key) +
                        " (or leave the case out with 'cases')");
    }
    if (plan.find_identity(*identity) == nullptr) {
      return plan_error("negative: '" + std::string(key) + "' names undefined identity '" +
                        *identity + "'");
    }
  }
  return {};
}

Result<void> check_plan(const PlanSpec& plan) {
  if (plan.points.empty()) return plan_error("plan: needs at least one [[point]]");
  std::set<std::string> names;
  for (const auto& point : plan.points) {
    if (!names.insert(point.name).second) {
      return plan_error("plan: two points are named '" + point.name + "'");
    }
    if (auto checked = check_point(plan, point); !checked) return checked;
  }
  for (std::size_t i = 0; i < plan.gaps.size(); ++i) {
    const auto& gap = plan.gaps[i];
    if (gap.change_approval.empty() && gap.monitoring.empty() && gap.access_control.empty()) {
      return plan_error("gap[" + std::to_string(i) + "] '" + gap.asset +
                        "': name at least one compensating control (change_approval, "
                        "monitoring, access_control)");
    }
  }
  return {};
}

// toml_guard and the Field readers speak of the policy; here the document is a plan.
Error as_plan_error(Error error) {
  if (error.code != Errc::kPolicyInvalid) return error;
  constexpr std::string_view kPolicyToml = "policy is not valid TOML";
  if (error.message.starts_with(kPolicyToml)) {
    error.message.replace(0, kPolicyToml.size(), "plan is not valid TOML");
  }
  error.code = Errc::kPlanInvalid;
  return error;
}

}  // namespace

std::string_view point_kind_name(PointKind kind) noexcept {
  for (const auto& entry : kKinds) {
    if (entry.value == kind) return entry.name;
  }
  return "?";
}

std::string_view change_control_name(ChangeControl control) noexcept {
  for (const auto& entry : kControls) {
    if (entry.value == control) return entry.name;
  }
  return "?";
}

std::string_view gap_lack_name(GapLack lack) noexcept {
  for (const auto& entry : kLacks) {
    if (entry.value == lack) return entry.name;
  }
  return "?";
}

const IdentitySpec* PlanSpec::find_identity(std::string_view name) const noexcept {
  for (const auto& identity : identities) {
    if (identity.name == name) return &identity;
  }
  return nullptr;
}

Result<PlanSpec> parse_plan(std::string_view toml_text) {
  auto rewritten = policy::toml_guard::rewrite(toml_text);
  if (!rewritten) return std::unexpected(as_plan_error(std::move(rewritten.error())));
  const std::string_view safe_text = *rewritten ? std::string_view(**rewritten) : toml_text;
  if (auto headers = policy::toml_guard::check_table_headers(safe_text); !headers) {
    return std::unexpected(as_plan_error(std::move(headers.error())));
  }
  toml::parse_result parsed = toml::parse(safe_text);
  if (!parsed) {
    const auto& error = parsed.error();
    return plan_error("plan is not valid TOML: " + std::string(error.description()) +
                      line_suffix(error.source()));
  }
  PlanSpec spec;
  if (auto read = read_fields<PlanSpec>(parsed.table(), "plan", kTopLevelFields, spec); !read) {
    return std::unexpected(as_plan_error(std::move(read.error())));
  }
  if (auto checked = check_plan(spec); !checked) return std::unexpected(checked.error());
  return spec;
}

}  // namespace signet::validate
