// RFC 7512 "pkcs11:" URIs, parsed strictly: a key reference that means something other than what
// the operator typed could sign with the wrong key, so anything unexpected is a usage error.
#include <openssl/crypto.h>

#include <charconv>
#include <cstring>
#include <set>
#include <string>
#include <string_view>

#include "crypto/pkcs11_key.hpp"

namespace signet::crypto {
namespace {

constexpr std::string_view kScheme = "pkcs11:";

bool is_unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// pk11-res-avail of RFC 7512 section 2.3.
bool is_res_avail(char c) { return std::strchr(":[]@!$'()*+,=", c) != nullptr && c != '\0'; }

// Characters allowed unencoded in a path value (pk11-pchar) or a query value (pk11-qchar).
bool allowed_in_value(char c, bool in_query) {
  if (is_unreserved(c) || is_res_avail(c)) return true;
  if (in_query) return c == '/' || c == '?' || c == '|';
  return c == '&';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes one attribute value into `out`. Error messages name the attribute but never echo the
// value: it may be a PIN.
Result<void> percent_decode(std::string_view name, std::string_view value, bool in_query,
                            std::string& out) {
  out.clear();
  out.reserve(value.size());
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (c == '%') {
      const int hi = i + 1 < value.size() ? hex_value(value[i + 1]) : -1;
      const int lo = i + 2 < value.size() ? hex_value(value[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return fail(Errc::kUsage, "pkcs11 URI: malformed percent escape in '" + std::string(name) +
                                      "' (expected %XX with two hex digits)");
      }
      out.push_back(static_cast<char>((hi << 4) | lo));
      i += 2;
    } else if (allowed_in_value(c, in_query)) {
      out.push_back(c);
    } else {
      const std::string shown = (c > 0x20 && c < 0x7f) ? std::string("'") + c + "'" : "a byte";
      return fail(Errc::kUsage, "pkcs11 URI: " + shown + " in '" + std::string(name) +
                                    "' must be percent-encoded");
    }
  }
  return {};
}

bool is_vendor_attribute(std::string_view name) { return name.starts_with("x-"); }

Result<void> store_text(std::string_view name, std::string&& value,
                        std::optional<std::string>& field) {
  if (value.find('\0') != std::string::npos) {
    return fail(Errc::kUsage, "pkcs11 URI: '" + std::string(name) + "' contains a NUL byte");
  }
  field = std::move(value);
  return {};
}

Result<void> set_path_attribute(std::string_view name, std::string&& value, Pkcs11Uri& uri) {
  if (name == "token") return store_text(name, std::move(value), uri.token);
  if (name == "manufacturer") return store_text(name, std::move(value), uri.manufacturer);
  if (name == "model") return store_text(name, std::move(value), uri.model);
  if (name == "serial") return store_text(name, std::move(value), uri.serial);
  if (name == "object") return store_text(name, std::move(value), uri.object);
  if (name == "slot-description") return store_text(name, std::move(value), uri.slot_description);
  if (name == "slot-manufacturer") {
    return store_text(name, std::move(value), uri.slot_manufacturer);
  }
  if (name == "library-manufacturer") {
    return store_text(name, std::move(value), uri.library_manufacturer);
  }
  if (name == "library-description") {
    return store_text(name, std::move(value), uri.library_description);
  }
  if (name == "id") {
    uri.id = Bytes(value.begin(), value.end());
    return {};
  }
  if (name == "type") {
    static const std::set<std::string, std::less<>> kTypes = {"public", "private", "cert",
                                                              "secret-key", "data"};
    if (!kTypes.contains(value)) {
      return fail(Errc::kUsage,
                  "pkcs11 URI: type must be one of public, private, cert, "
                  "secret-key, data");
    }
    uri.type = std::move(value);
    return {};
  }
  if (name == "slot-id") {
    unsigned long id = 0;
    const char* end = value.data() + value.size();
    const auto [ptr, ec] = std::from_chars(value.data(), end, id, 10);
    if (value.empty() || ec != std::errc() || ptr != end) {
      return fail(Errc::kUsage, "pkcs11 URI: slot-id must be a decimal number");
    }
    uri.slot_id = id;
    return {};
  }
  if (name == "library-version") {
    const auto dot = value.find('.');
    const std::string_view major = std::string_view(value).substr(0, dot);
    const std::string_view minor =
        dot == std::string::npos ? std::string_view("0") : std::string_view(value).substr(dot + 1);
    auto digits = [](std::string_view s) {
      return !s.empty() && s.size() <= 3 && s.find_first_not_of("0123456789") == s.npos;
    };
    if (!digits(major) || !digits(minor)) {
      return fail(Errc::kUsage, "pkcs11 URI: library-version must be M or M.N");
    }
    uri.library_version = std::move(value);
    return {};
  }
  return fail(Errc::kUsage, "pkcs11 URI: unknown path attribute '" + std::string(name) + "'");
}

Result<void> set_query_attribute(std::string_view name, std::string&& value, Pkcs11Uri& uri,
                                 SecretBuffer* pin_out) {
  if (name == "pin-value") {
    uri.has_pin_value = true;
    if (pin_out != nullptr) *pin_out = SecretBuffer(value);
    return {};
  }
  if (name == "pin-source") {
    if (value.empty()) return fail(Errc::kUsage, "pkcs11 URI: pin-source is empty");
    return store_text(name, std::move(value), uri.pin_source);
  }
  if (name == "module-path") {
    if (value.empty()) return fail(Errc::kUsage, "pkcs11 URI: module-path is empty");
    return store_text(name, std::move(value), uri.module_path);
  }
  if (name == "module-name") {
    if (value.empty() || value.find('/') != std::string::npos) {
      return fail(Errc::kUsage, "pkcs11 URI: module-name must be a non-empty name without '/'");
    }
    return store_text(name, std::move(value), uri.module_name);
  }
  return fail(Errc::kUsage, "pkcs11 URI: unknown query attribute '" + std::string(name) + "'");
}

// Splits `part` at `sep` and feeds each name=value to `set`.
template <class Setter>
Result<void> parse_attributes(std::string_view part, char sep, bool in_query,
                              std::set<std::string, std::less<>>& seen, Setter set) {
  const std::string_view where = in_query ? "query" : "path";
  std::size_t pos = 0;
  while (pos <= part.size()) {
    const std::size_t end = std::min(part.find(sep, pos), part.size());
    const std::string_view attr = part.substr(pos, end - pos);
    pos = end + 1;
    if (attr.empty()) {
      return fail(Errc::kUsage, "pkcs11 URI: empty attribute in the " + std::string(where));
    }
    const std::size_t eq = attr.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      return fail(Errc::kUsage, "pkcs11 URI: " + std::string(where) +
                                    " attribute without name=value: '" +
                                    std::string(attr.substr(0, eq)) + "'");
    }
    const std::string_view name = attr.substr(0, eq);
    if (!seen.insert(std::string(name)).second) {
      return fail(Errc::kUsage, "pkcs11 URI: duplicate attribute '" + std::string(name) + "'");
    }
    std::string value;
    auto decoded = percent_decode(name, attr.substr(eq + 1), in_query, value);
    Result<void> stored = decoded;
    if (decoded && !is_vendor_attribute(name)) stored = set(name, std::move(value));
    if (!value.empty()) OPENSSL_cleanse(value.data(), value.size());
    if (!stored) return stored;
  }
  return {};
}

}  // namespace

Result<Pkcs11Uri> parse_pkcs11_uri(std::string_view uri, SecretBuffer* pin_out) {
  if (pin_out != nullptr) *pin_out = SecretBuffer();
  if (uri.size() < kScheme.size() ||
      OPENSSL_strncasecmp(uri.data(), kScheme.data(), kScheme.size()) != 0) {
    return fail(Errc::kUsage, "not a pkcs11 URI (must start with \"pkcs11:\")");
  }
  const std::string_view rest = uri.substr(kScheme.size());
  const std::size_t question = rest.find('?');
  const std::string_view path = rest.substr(0, question);
  const std::string_view query =
      question == std::string_view::npos ? std::string_view() : rest.substr(question + 1);

  Pkcs11Uri out;
  std::set<std::string, std::less<>> seen;
  SecretBuffer pin;
  if (!path.empty()) {
    auto parsed =
        parse_attributes(path, ';', false, seen, [&](std::string_view n, std::string&& v) {
          return set_path_attribute(n, std::move(v), out);
        });
    if (!parsed) return std::unexpected(parsed.error());
  }
  if (question != std::string_view::npos) {
    auto parsed =
        parse_attributes(query, '&', true, seen, [&](std::string_view n, std::string&& v) {
          return set_query_attribute(n, std::move(v), out, &pin);
        });
    if (!parsed) return std::unexpected(parsed.error());
  }
  if (out.has_pin_value && out.pin_source) {
    return fail(Errc::kUsage, "pkcs11 URI: give either pin-value or pin-source, not both");
  }
  if (pin_out != nullptr) *pin_out = std::move(pin);
  return out;
}

}  // namespace signet::crypto
