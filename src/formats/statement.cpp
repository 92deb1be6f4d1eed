#include "formats/statement.hpp"

#include <array>
#include <limits>
#include <nlohmann/json.hpp>

namespace signet::formats {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 10> kArtifactClasses{
    "executable",   "library",  "script",    "kernel-module", "plc-program",
    "project-file", "firmware", "installer", "config",        "trust-bundle"};

bool is_lower_hex(std::string_view text, std::size_t length) {
  if (text.size() != length) return false;
  for (const char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::unexpected<Error> bad(std::string message) {
  return fail(Errc::kMalformed, "statement: " + std::move(message));
}

Result<std::string> string_field(const json& object, const char* key, bool required) {
  const auto it = object.find(key);
  if (it == object.end()) {
    if (required) return bad(std::string("missing '") + key + "'");
    return std::string();
  }
  if (!it->is_string()) return bad(std::string("'") + key + "' must be a string");
  return it->get<std::string>();
}

Result<Subject> parse_subject(const json& item, std::size_t index) {
  const std::string where = "subject[" + std::to_string(index) + "]";
  if (!item.is_object()) return bad(where + " must be an object");
  for (const auto& [key, value] : item.items()) {
    if (key != "name" && key != "digest") return bad(where + ": unknown key '" + key + "'");
  }
  Subject subject;
  auto name = string_field(item, "name", true);
  if (!name) return std::unexpected(name.error());
  if (name->empty()) return bad(where + " has an empty name");
  subject.name = *name;
  const auto digest = item.find("digest");
  if (digest == item.end() || !digest->is_object()) return bad(where + " needs a digest object");
  for (const auto& [alg, value] : digest->items()) {
    if (!value.is_string()) return bad(where + ": digest '" + alg + "' must be a string");
    const auto hex = value.get<std::string>();
    const std::size_t expected_len = alg == "sha256" ? 64 : alg == "sha512" ? 128 : 0;
    if (expected_len == 0) return bad(where + ": unsupported digest algorithm '" + alg + "'");
    if (!is_lower_hex(hex, expected_len)) {
      return bad(where + ": digest '" + alg + "' is not " + std::to_string(expected_len) +
                 " lower-case hex characters");
    }
    subject.digest.emplace(alg, hex);
  }
  if (!subject.digest.contains("sha256")) return bad(where + " has no sha256 digest");
  return subject;
}

Result<ReleasePredicate> parse_predicate(const json& item) {
  if (!item.is_object()) return bad("'predicate' must be an object");
  static constexpr std::array<std::string_view, 6> kKeys{"class",   "target", "version",
                                                         "counter", "ticket", "description"};
  for (const auto& [key, value] : item.items()) {
    bool known = false;
    for (const auto k : kKeys) known = known || k == key;
    if (!known) return bad("predicate: unknown key '" + key + "'");
  }
  ReleasePredicate predicate;
  auto cls = string_field(item, "class", true);
  if (!cls) return std::unexpected(cls.error());
  if (!is_known_artifact_class(*cls)) return bad("predicate: unknown class '" + *cls + "'");
  predicate.artifact_class = *cls;
  auto target = string_field(item, "target", false);
  auto version = string_field(item, "version", false);
  auto ticket = string_field(item, "ticket", false);
  auto description = string_field(item, "description", false);
  for (auto* field : {&target, &version, &ticket, &description}) {
    if (!*field) return std::unexpected(field->error());
  }
  predicate.target = *target;
  predicate.version = *version;
  predicate.ticket = *ticket;
  predicate.description = *description;
  if (const auto counter = item.find("counter"); counter != item.end()) {
    if (!counter->is_number_unsigned())
      return bad("predicate: 'counter' must be a non-negative integer");
    predicate.counter = counter->get<std::uint64_t>();
  }
  return predicate;
}

}  // namespace

bool is_known_artifact_class(std::string_view name) noexcept {
  for (const auto known : kArtifactClasses) {
    if (known == name) return true;
  }
  return false;
}

Result<Statement> parse_statement(std::string_view text) {
  json doc = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return bad("content is not JSON");
  if (!doc.is_object()) return bad("content is not a JSON object");
  for (const auto& [key, value] : doc.items()) {
    if (key != "_type" && key != "subject" && key != "predicateType" && key != "predicate") {
      return bad("unknown key '" + key + "'");
    }
  }
  auto type = string_field(doc, "_type", true);
  if (!type) return std::unexpected(type.error());
  if (*type != kStatementType)
    return bad("_type is '" + *type + "', expected in-toto Statement v1");
  auto predicate_type = string_field(doc, "predicateType", true);
  if (!predicate_type) return std::unexpected(predicate_type.error());
  if (*predicate_type != kReleasePredicateType) {
    return bad("predicateType is '" + *predicate_type + "', expected " +
               std::string(kReleasePredicateType));
  }
  const auto subjects = doc.find("subject");
  if (subjects == doc.end() || !subjects->is_array() || subjects->empty()) {
    return bad("needs a non-empty 'subject' array");
  }
  Statement statement;
  for (std::size_t i = 0; i < subjects->size(); ++i) {
    auto subject = parse_subject((*subjects)[i], i);
    if (!subject) return std::unexpected(subject.error());
    statement.subjects.push_back(std::move(*subject));
  }
  const auto predicate = doc.find("predicate");
  if (predicate == doc.end()) return bad("missing 'predicate'");
  auto parsed = parse_predicate(*predicate);
  if (!parsed) return std::unexpected(parsed.error());
  statement.predicate = std::move(*parsed);
  return statement;
}

std::string serialize_statement(const Statement& statement) {
  json subjects = json::array();
  for (const auto& subject : statement.subjects) {
    json digest = json::object();
    for (const auto& [alg, hex] : subject.digest) digest[alg] = hex;
    subjects.push_back({{"name", subject.name}, {"digest", digest}});
  }
  const auto& p = statement.predicate;
  json predicate = {{"class", p.artifact_class}};
  if (!p.target.empty()) predicate["target"] = p.target;
  if (!p.version.empty()) predicate["version"] = p.version;
  if (p.counter) predicate["counter"] = *p.counter;
  if (!p.ticket.empty()) predicate["ticket"] = p.ticket;
  if (!p.description.empty()) predicate["description"] = p.description;
  // nlohmann's object type is a std::map: keys come out sorted, so the encoding is canonical.
  json doc = {{"_type", std::string(kStatementType)},
              {"subject", subjects},
              {"predicateType", std::string(kReleasePredicateType)},
              {"predicate", predicate}};
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace signet::formats
